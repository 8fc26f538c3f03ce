/** 0.4 -> "40%"; null -> "–". */
export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : `${Math.round(value * 100)}%`;
}

/** -3.456 -> "-3.5"; null -> "–". */
export function signed(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  const rounded = Math.round(value * 10) / 10;
  return rounded > 0 ? `+${rounded}` : String(rounded);
}

/** "reschedule_requested" -> "reschedule requested". */
export function words(text: string): string {
  return text.replace(/_/g, " ");
}
