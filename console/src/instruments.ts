// The instruments' names, score ranges and severity bands, read at build time from the same
// files the service scores with (functions/touchpoint/instruments), so the chart's bands are
// the bands the severity in each survey came from.
import anxietyNow from "../../functions/touchpoint/instruments/anxiety-now.json";
import gad7 from "../../functions/touchpoint/instruments/gad7.json";
import phq9 from "../../functions/touchpoint/instruments/phq9.json";

export interface Band {
  from: number;
  to: number;
  label: string;
}

export interface Instrument {
  id: string;
  name: string;
  max: number;
  bands: Band[];
  remissionBelow: number | null;
  responseDropPercent: number;
}

interface InstrumentFile {
  id: string;
  name: string;
  items: unknown[];
  choices: { value: number }[];
  bands: Band[];
  remission_below: number | null;
  response_drop_percent: number;
}

export function instrumentOf(file: InstrumentFile): Instrument {
  const top = Math.max(...file.choices.map((choice) => choice.value));
  return {
    id: file.id,
    name: file.name,
    max: top * file.items.length,
    bands: file.bands,
    remissionBelow: file.remission_below,
    responseDropPercent: file.response_drop_percent,
  };
}

export const INSTRUMENTS: Record<string, Instrument> = Object.fromEntries(
  [gad7, phq9, anxietyNow].map((file) => [file.id, instrumentOf(file as InstrumentFile)]),
);

export function instrumentName(id: string): string {
  return INSTRUMENTS[id]?.name ?? id;
}

/** The band a score falls in, or null (an instrument without bands, or out of range). */
export function bandOf(instrument: Instrument, score: number): Band | null {
  return instrument.bands.find((band) => score >= band.from && score <= band.to) ?? null;
}
