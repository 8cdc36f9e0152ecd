// The playground's editing dialogs: a form (Remix) prefilled by the bot, and a brush that paints
// the region Vary (Region) repaints, sent as a mask image at the picture's own size (white
// repaints, black keeps).

const BRUSH_RADIUS_SHARE = 0.06;
const MASK_TINT = 'rgba(255, 64, 160, 0.45)';

/**
 * Shows the form of `message` as a modal dialog; resolves with the values, or undefined when the
 * user cancels.
 * @param {{ id: string, title: string, submitLabel: string, fields: { id: string, label: string, value: string, multiline: boolean, required: boolean, maxLength: number, placeholder?: string }[] }} form
 */
export function openFormDialog(form) {
  const dialog = document.createElement('dialog');
  dialog.className = 'edit-dialog form-dialog';
  const element = document.createElement('form');
  element.method = 'dialog';
  const heading = document.createElement('h2');
  heading.textContent = form.title;
  element.append(heading);
  for (const field of form.fields) {
    const label = document.createElement('label');
    const caption = document.createElement('span');
    caption.textContent = field.label;
    const input = field.multiline ? document.createElement('textarea') : document.createElement('input');
    input.name = field.id;
    input.value = field.value;
    input.maxLength = field.maxLength;
    input.required = field.required;
    if (field.placeholder !== undefined) input.placeholder = field.placeholder;
    if (input instanceof HTMLTextAreaElement) input.rows = field.id === 'prompt' ? 3 : 2;
    label.append(caption, input);
    element.append(label);
  }
  const actions = document.createElement('div');
  actions.className = 'dialog-actions';
  const cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.textContent = 'Cancel';
  const submit = document.createElement('button');
  submit.type = 'submit';
  submit.className = 'primary';
  submit.textContent = form.submitLabel;
  actions.append(cancel, submit);
  element.append(actions);
  dialog.append(element);
  document.body.append(dialog);
  return new Promise((resolve) => {
    cancel.addEventListener('click', () => dialog.close(''));
    element.addEventListener('submit', () => {
      const values = Object.fromEntries(form.fields.map((field) => [field.id, String(new FormData(element).get(field.id) ?? '')]));
      resolve(values);
    });
    dialog.addEventListener('close', () => {
      resolve(undefined);
      dialog.remove();
    });
    dialog.showModal();
  });
}

/**
 * Shows the picture with a brush; resolves with the painted mask as a PNG data URL, 'regions' when
 * the user would rather pick a named region, or undefined when they cancel.
 * @param {string} imageUrl
 */
export function openBrushDialog(imageUrl) {
  const dialog = document.createElement('dialog');
  dialog.className = 'edit-dialog brush-dialog';
  const heading = document.createElement('h2');
  heading.textContent = 'Vary (Region): paint what to repaint';
  const stage = document.createElement('div');
  stage.className = 'brush-stage';
  const picture = new Image();
  picture.src = imageUrl;
  const overlay = document.createElement('canvas');
  overlay.className = 'brush-overlay';
  overlay.setAttribute('aria-label', 'Paint the area to repaint');
  stage.append(picture, overlay);
  const actions = document.createElement('div');
  actions.className = 'dialog-actions';
  const regions = button('Choose a region instead');
  const clear = button('Clear');
  const cancel = button('Cancel');
  const submit = button('Repaint');
  submit.className = 'primary';
  submit.disabled = true;
  actions.append(regions, clear, cancel, submit);
  dialog.append(heading, stage, actions);
  document.body.append(dialog);

  // The mask is painted at the picture's natural size, whatever size it is shown at.
  const mask = document.createElement('canvas');
  const maskContext = /** @type {CanvasRenderingContext2D} */ (mask.getContext('2d'));
  const overlayContext = /** @type {CanvasRenderingContext2D} */ (overlay.getContext('2d'));
  let painted = false;
  picture.addEventListener('load', () => {
    mask.width = overlay.width = picture.naturalWidth;
    mask.height = overlay.height = picture.naturalHeight;
    maskContext.fillStyle = 'black';
    maskContext.fillRect(0, 0, mask.width, mask.height);
  });

  let drawing = false;
  const paintAt = (event) => {
    const box = overlay.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * overlay.width;
    const y = ((event.clientY - box.top) / box.height) * overlay.height;
    const radius = Math.max(overlay.width, overlay.height) * BRUSH_RADIUS_SHARE;
    for (const [context, colour] of [[maskContext, 'white'], [overlayContext, MASK_TINT]]) {
      context.fillStyle = colour;
      context.beginPath();
      context.arc(x, y, radius, 0, 2 * Math.PI);
      context.fill();
    }
    painted = true;
    submit.disabled = false;
  };
  overlay.addEventListener('pointerdown', (event) => {
    drawing = true;
    overlay.setPointerCapture(event.pointerId);
    paintAt(event);
  });
  overlay.addEventListener('pointermove', (event) => {
    if (drawing) paintAt(event);
  });
  overlay.addEventListener('pointerup', () => {
    drawing = false;
  });
  clear.addEventListener('click', () => {
    maskContext.fillStyle = 'black';
    maskContext.fillRect(0, 0, mask.width, mask.height);
    overlayContext.clearRect(0, 0, overlay.width, overlay.height);
    painted = false;
    submit.disabled = true;
  });

  return new Promise((resolve) => {
    let result;
    regions.addEventListener('click', () => {
      result = 'regions';
      dialog.close();
    });
    cancel.addEventListener('click', () => dialog.close());
    submit.addEventListener('click', () => {
      if (painted) result = mask.toDataURL('image/png');
      dialog.close();
    });
    dialog.addEventListener('close', () => {
      resolve(result);
      dialog.remove();
    });
    dialog.showModal();
  });
}

function button(text) {
  const element = document.createElement('button');
  element.type = 'button';
  element.textContent = text;
  return element;
}

/** Reads a chosen file as a data URL, for sending with a command. @param {File} file */
export function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.addEventListener('load', () => resolve(String(reader.result)));
    reader.addEventListener('error', () => reject(reader.error));
    reader.readAsDataURL(file);
  });
}
