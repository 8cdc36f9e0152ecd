// A platform-neutral form as a Discord modal (interaction response type 9), and a submitted
// modal's values back as the form's values.
import {
  ComponentType,
  TextInputStyle,
  type APIModalInteractionResponseCallbackData,
  type ModalSubmitInteraction,
} from 'discord.js';
import { clipText } from '../../commands/clip-text.js';
import { MAX_FORM_FIELDS, MAX_FORM_TITLE_CHARS, type FormValues, type FormView } from '../../commands/form.js';

/** Discord caps a text input's label at 45 characters and its placeholder at 100. */
const MAX_LABEL_CHARS = 45;
const MAX_PLACEHOLDER_CHARS = 100;

export function discordModal(form: FormView): APIModalInteractionResponseCallbackData {
  return {
    custom_id: form.id,
    title: clipText(form.title, MAX_FORM_TITLE_CHARS),
    components: form.fields.slice(0, MAX_FORM_FIELDS).map((field) => ({
      type: ComponentType.ActionRow,
      components: [
        {
          type: ComponentType.TextInput,
          custom_id: field.id,
          label: clipText(field.label, MAX_LABEL_CHARS),
          style: field.multiline ? TextInputStyle.Paragraph : TextInputStyle.Short,
          required: field.required,
          max_length: field.maxLength,
          ...(field.value === '' ? {} : { value: field.value.slice(0, field.maxLength) }),
          ...(field.placeholder === undefined ? {} : { placeholder: clipText(field.placeholder, MAX_PLACEHOLDER_CHARS) }),
        },
      ],
    })),
  };
}

/** Every text input of a submitted modal, by its custom id. */
export function modalValues(interaction: ModalSubmitInteraction): FormValues {
  const values: Record<string, string> = {};
  for (const [id, field] of interaction.fields.fields) {
    if (field.type === ComponentType.TextInput) values[id] = field.value;
  }
  return values;
}
