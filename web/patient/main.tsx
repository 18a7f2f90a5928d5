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

// The service worker keeps the app shell on the device so the app opens and records without a network.
// Browsers only allow it on https or localhost; elsewhere the offline queue still works while the page is open.
if ('serviceWorker' in navigator && window.isSecureContext) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/patient/sw.js', { scope: '/patient/' }).catch(() => undefined);
  });
}
