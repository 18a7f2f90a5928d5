import { render } from 'preact';
import { configureApi } from '../shared/api.js';
import { App } from './App.js';

configureApi('clinic');

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
