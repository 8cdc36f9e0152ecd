// Modals as Discord takes them (interaction response type 9) and gives them back (a MODAL_SUBMIT
// interaction): the limits Discord enforces on the way in, and the submitted text inputs.

/** Modal custom_id 100, title 45, 1–5 rows of one text input each; label 45, value ≤ max_length ≤ 4000. */
const MAX_CUSTOM_ID = 100;
const MAX_TITLE = 45;
const MAX_ROWS = 5;
const MAX_LABEL = 45;
const MAX_VALUE = 4000;
const ACTION_ROW = 1;
const TEXT_INPUT = 4;

export interface TextInputJson {
  readonly type: number;
  readonly custom_id: string;
  readonly label: string;
  readonly style: number;
  readonly value?: string;
  readonly required?: boolean;
  readonly max_length?: number;
}

export interface ModalJson {
  readonly custom_id: string;
  readonly title: string;
  readonly components: readonly { readonly type: number; readonly components: readonly TextInputJson[] }[];
}

/** Why Discord would refuse this modal (50035 Invalid Form Body), or undefined when it is fine. */
export function modalProblem(data: unknown): string | undefined {
  const modal = data as Partial<ModalJson> | undefined;
  if (typeof modal?.custom_id !== 'string' || modal.custom_id.length === 0 || modal.custom_id.length > MAX_CUSTOM_ID) return 'custom_id';
  if (typeof modal.title !== 'string' || modal.title.length === 0 || modal.title.length > MAX_TITLE) return 'title';
  const rows = modal.components ?? [];
  if (rows.length === 0 || rows.length > MAX_ROWS) return 'components';
  for (const row of rows) {
    if (row.type !== ACTION_ROW || row.components.length !== 1) return 'components.row';
    const input = row.components[0];
    if (input?.type !== TEXT_INPUT) return 'components.type';
    if (input.label.length === 0 || input.label.length > MAX_LABEL) return `label of ${input.custom_id}`;
    const max = input.max_length ?? MAX_VALUE;
    if (max > MAX_VALUE || (input.value ?? '').length > max) return `value of ${input.custom_id}`;
  }
  return undefined;
}

/** The rows of a MODAL_SUBMIT: each text input's value, the prefilled one unless `changes` has another. */
export function submittedRows(modal: ModalJson, changes: Readonly<Record<string, string>>): unknown[] {
  return modal.components.map((row) => ({
    type: ACTION_ROW,
    components: row.components.map((input) => ({
      type: TEXT_INPUT,
      custom_id: input.custom_id,
      value: changes[input.custom_id] ?? input.value ?? '',
    })),
  }));
}
