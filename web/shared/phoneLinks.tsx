/**
 * Emergency numbers in a patient notice as tel: links, so a patient told to call legevakt
 * (116 117) or 113 can do it with one tap. The server writes the notice in the patient's
 * language; only the numbers are recognised, so no text is rewritten.
 */
const NUMBERS: Readonly<Record<string, string>> = { '116 117': 'tel:116117', '113': 'tel:113' };
const SPLIT = /(116 117|(?<!\d)113(?!\d))/;

export function PhoneLinks({ text }: { text: string }) {
  return (
    <>
      {text.split(SPLIT).map((part, i) => {
        const href = NUMBERS[part];
        return href ? (
          <a key={i} href={href} class="phone-link">
            {part}
          </a>
        ) : (
          part
        );
      })}
    </>
  );
}
