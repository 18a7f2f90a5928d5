/** Escapes text for HTML element content and double-quoted attributes. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A small server-rendered page (login pages, login errors) in the product's plain style. */
export function page(title: string, body: string, lang = 'nb'): string {
  return `<!doctype html>
<html lang="${esc(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:18px;line-height:1.5;margin:0;background:#f4f6f8;color:#1a1a1a}
main{max-width:40rem;margin:2rem auto;background:#fff;padding:1.5rem 2rem;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.6rem;margin-top:0}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input[type=text]{font-size:1.2rem;padding:.6rem;width:100%;box-sizing:border-box;border:2px solid #555;border-radius:6px}
button{font-size:1.1rem;min-height:48px;padding:.5rem 1.2rem;border-radius:6px;border:2px solid #0b5394;background:#0b5394;color:#fff;cursor:pointer;margin:.25rem 0}
button.secondary{background:#fff;color:#0b5394;text-align:left;width:100%}
:focus-visible{outline:3px solid #f0a500;outline-offset:2px}
.error{color:#a4000f;font-weight:600}
.note{color:#444;font-size:.95rem}
ul.pick{list-style:none;padding:0}
</style></head><body><main>${body}</main></body></html>`;
}
