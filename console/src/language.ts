// The languages Touchpoint texts in: a patient's own, or else the clinic's default_language.

export const LANGUAGES = { en: "English", es: "Spanish" } as const;

export type Language = keyof typeof LANGUAGES;

/** "es" -> "Spanish"; a code the console does not know stays as it is. */
export function languageName(code: string): string {
  return Object.hasOwn(LANGUAGES, code) ? LANGUAGES[code as Language] : code;
}

/** What "Clinic default" means today: "Clinic default (English)". */
export function clinicDefaultLabel(clinicDefault: string | undefined): string {
  return `Clinic default (${languageName(clinicDefault ?? "en")})`;
}

/** The language a patient is texted in, as the patient page shows it. */
export function patientLanguage(own: string | undefined, clinicDefault: string | undefined): string {
  return own ? languageName(own) : clinicDefaultLabel(clinicDefault);
}

/** A language <select>'s value ("" for the clinic's default) as the API takes it: null clears it. */
export function languageValue(choice: string): Language | null {
  return Object.hasOwn(LANGUAGES, choice) ? (choice as Language) : null;
}
