import { render } from 'preact';
import { configureApi } from '../shared/api.js';
import { App } from './App.js';

configureApi('patient');

const root = document.getElementById('app');
if (root) {
  // Drop the static "loading" text instead of letting Preact diff against it.
  root.textContent = '';
  render(<App />, root);
}
