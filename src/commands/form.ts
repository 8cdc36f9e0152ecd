// The platform-neutral view model of a form (Discord modal, Slack modal view, playground dialog):
// a few text inputs prefilled with values, submitted together under the form's action id.

export interface FormField {
  /** Key of the submitted value. */
  readonly id: string;
  readonly label: string;
  /** Prefilled text. */
  readonly value: string;
  readonly multiline: boolean;
  readonly required: boolean;
  readonly maxLength: number;
  readonly placeholder?: string;
}

export interface FormView {
  /** An action id (see action-id.ts) naming what submitting does. */
  readonly id: string;
  readonly title: string;
  readonly submitLabel: string;
  /** At most MAX_FORM_FIELDS: Discord modals hold five inputs. */
  readonly fields: readonly FormField[];
}

export const MAX_FORM_FIELDS = 5;
/** Discord caps a modal title at 45 characters and a text input label at 45. */
export const MAX_FORM_TITLE_CHARS = 45;
/** Discord caps a text input's value at 4000 characters. */
export const MAX_FORM_VALUE_CHARS = 4000;

/** The values a form came back with, by field id. */
export type FormValues = Readonly<Record<string, string>>;
