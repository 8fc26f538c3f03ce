/** A phone number as lists show it: the country code and the last 2 digits, the rest hidden
 * ("+1 ••• ••• ••12"), so a list read over a shoulder gives no number away. */
export function maskPhone(e164: string | null | undefined): string {
  if (!e164) return "";
  const digits = e164.replace(/\D/g, "");
  if (digits.length < 4) return "•".repeat(digits.length);
  const country = e164.startsWith("+1") ? "+1" : `+${digits.slice(0, 2)}`;
  const rest = digits.slice(country.length - 1);
  const hidden = rest.slice(0, -2).replace(/\d/g, "•");
  const groups = hidden.match(/.{1,3}/g) ?? [];
  return `${country} ${groups.join(" ")}${rest.slice(-2)}`;
}
