// Colour helpers of the widget's theme: any CSS colour a company gives is resolved by the browser,
// and the colours that must stand out (focus ring, input border) are checked against WCAG's 3:1
// contrast for non-text elements.

export const WHITE = [255, 255, 255];
export const INK = [26, 26, 26]; // #1a1a1a, the widget's text colour

// [r, g, b] of a CSS colour as the browser computes it, or null for an invalid colour.
export function resolveColor(value) {
  if (!value) return null;
  const probe = document.createElement("span");
  probe.style.color = value;
  if (!probe.style.color) return null; // the browser refused it
  probe.style.display = "none";
  document.body.append(probe);
  const computed = getComputedStyle(probe).color;
  probe.remove();
  const parts = computed.match(/[\d.]+/g);
  return parts && parts.length >= 3 ? parts.slice(0, 3).map(Number) : null;
}

function channel(value) {
  const c = value / 255;
  return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

// WCAG 2 relative luminance of [r, g, b].
function luminance([r, g, b]) {
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

// WCAG 2 contrast ratio of two [r, g, b] colours (1 to 21).
export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

export function css([r, g, b]) {
  return `rgb(${r}, ${g}, ${b})`;
}

// The first of `candidates` with at least `ratio`:1 contrast against `background`, else the one
// with the most contrast.
export function legibleOn(background, candidates, ratio = 3) {
  const usable = candidates.filter(Boolean);
  const found = usable.find((c) => contrast(c, background) >= ratio);
  if (found) return found;
  return usable.reduce((best, c) => (contrast(c, background) > contrast(best, background) ? c : best));
}
