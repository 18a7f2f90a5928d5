/** `xmllint --schema` over the vendored MsgHead + Dialogmelding schemas (test code only). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DIALOG_XSD = fileURLToPath(new URL('./dialogmelding/varde-wrapper.xsd', import.meta.url));
export const DIALOG_SAMPLE = fileURLToPath(new URL('./dialogmelding/samsvar-test-message.xml', import.meta.url));

/** xmllint's verdict on a message (text or a file): null when valid, else its messages. */
export function dialogmeldingProblems(xml: string | { file: string }): string | null {
  const dir = typeof xml === 'string' ? mkdtempSync(join(tmpdir(), 'varde-dialog-')) : null;
  const file = typeof xml === 'string' ? join(dir!, 'message.xml') : xml.file;
  if (typeof xml === 'string') writeFileSync(file, xml);
  try {
    execFileSync('xmllint', ['--noout', '--nonet', '--schema', DIALOG_XSD, file], { stdio: 'pipe' });
    return null;
  } catch (err) {
    const e = err as { code?: string; stderr?: Buffer };
    if (e.code === 'ENOENT') throw new Error('xmllint is not installed (Debian package libxml2-utils; .ci/run installs it)');
    return e.stderr?.toString() ?? String(err);
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
