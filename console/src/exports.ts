// A CSV export in one file: the API answers at most 5,000 rows a request, with X-Next-Cursor
// for the rest, and every part repeats the header row.
import type { Api, Query } from "./api";

export function joinParts(parts: string[]): string {
  const [first = "", ...rest] = parts;
  const header = first.split("\n", 1)[0];
  return [first, ...rest.map((part) => (part.split("\n", 1)[0] === header ? part.slice(header!.length + 1) : part))].join("");
}

export async function exportCsv(api: Api, path: string, query: Query): Promise<string> {
  const parts: string[] = [];
  let cursor: string | null = null;
  do {
    const { text, headers } = await api.text(path, { ...query, cursor });
    parts.push(text);
    cursor = headers.get("X-Next-Cursor");
  } while (cursor && parts.length < 200);
  return joinParts(parts);
}

/** Hand a text to the browser as a file download. */
export function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
