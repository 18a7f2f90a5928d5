// Small helpers the catalogue's formatting functions share.

/** Picks the singular or plural word (nb, nn and en all inflect by one / not one). */
export const plural = (n: number, one: string, many: string): string => (n === 1 ? one : many);

/** A device clock error in the largest whole unit a patient reads easily: minutes, hours or days. */
export const btDuration = (minutes: number, min: string, hours: [string, string], days: [string, string]): string =>
  minutes < 120
    ? `${minutes} ${min}`
    : minutes < 48 * 60
      ? `${Math.round(minutes / 60)} ${plural(Math.round(minutes / 60), ...hours)}`
      : `${Math.round(minutes / 1440)} ${plural(Math.round(minutes / 1440), ...days)}`;
