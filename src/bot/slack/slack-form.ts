// A platform-neutral form as a Slack modal view (views.open), and a submitted view's state back as
// the form's values. The channel the form was opened from travels in private_metadata, since a
// view_submission carries no channel of its own.
import type { types } from '@slack/bolt';
import { clipText } from '../../commands/clip-text.js';
import type { FormValues, FormView } from '../../commands/form.js';

/** Slack caps a modal's title and submit text at 24 characters, a plain_text_input at 3000. */
const MAX_TITLE_CHARS = 24;
const MAX_INPUT_CHARS = 3000;
const MAX_LABEL_CHARS = 2000;
const MAX_PLACEHOLDER_CHARS = 150;

export interface FormOrigin {
  readonly channelId: string;
}

export function slackModal(form: FormView, origin: FormOrigin): types.ModalView {
  return {
    type: 'modal',
    callback_id: form.id,
    private_metadata: JSON.stringify(origin),
    title: { type: 'plain_text', text: clipText(form.title, MAX_TITLE_CHARS) },
    submit: { type: 'plain_text', text: clipText(form.submitLabel, MAX_TITLE_CHARS) },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: form.fields.map((field) => ({
      type: 'input',
      block_id: field.id,
      optional: !field.required,
      label: { type: 'plain_text', text: clipText(field.label, MAX_LABEL_CHARS) },
      element: {
        type: 'plain_text_input',
        action_id: field.id,
        multiline: field.multiline,
        max_length: Math.min(field.maxLength, MAX_INPUT_CHARS),
        ...(field.value === '' ? {} : { initial_value: field.value.slice(0, Math.min(field.maxLength, MAX_INPUT_CHARS)) }),
        ...(field.placeholder === undefined ? {} : { placeholder: { type: 'plain_text', text: clipText(field.placeholder, MAX_PLACEHOLDER_CHARS) } }),
      },
    })),
  };
}

/** Each input's text by its action id; an emptied optional input comes back as ''. */
export function viewValues(state: { readonly values: Readonly<Record<string, Readonly<Record<string, { readonly value?: string | null }>>>> }): FormValues {
  const values: Record<string, string> = {};
  for (const block of Object.values(state.values)) {
    for (const [actionId, input] of Object.entries(block)) values[actionId] = input.value ?? '';
  }
  return values;
}

/** The origin a view carried; undefined when it is not one of ours. */
export function formOrigin(privateMetadata: string): FormOrigin | undefined {
  try {
    const parsed = JSON.parse(privateMetadata) as { channelId?: unknown };
    return typeof parsed.channelId === 'string' && parsed.channelId !== '' ? { channelId: parsed.channelId } : undefined;
  } catch {
    return undefined;
  }
}
