import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

const page = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// One multi-page build: the server serves dist/web statically, so every app is a plain HTML entry.
export default defineConfig({
  root: 'web',
  base: '/',
  // Prefresh/devtools are dev conveniences; the JSX transform itself is oxc's automatic runtime.
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: false, reactAliasesEnabled: false })],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    rolldownOptions: {
      input: {
        main: page('./web/index.html'),
        patient: page('./web/patient/index.html'),
        clinic: page('./web/clinic/index.html'),
      },
    },
  },
});
