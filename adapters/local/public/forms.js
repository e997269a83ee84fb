// Forms of the local chat page: a form message rendered as an HTML form (required fields, choices, suggestions, a
// datetime in Taipei time), checked before it is sent, its draft kept while it is being filled in.
import { api, conversationPath } from './api.js';
import { h, hideInlineError, nextId, showInlineError } from './dom.js';
import { handleReplies } from './replies.js';
import { nav, state } from './state.js';
import { doneFor, formDraftKey, loadDraft, markDone, saveDraft } from './storage.js';
import { toLocalInputValue } from './time.js';

export function buildForm(message, form) {
  const titleId = nextId('form-title');
  const controls = [];
  const fieldNodes = (form.fields ?? []).map((field) => {
    const built = buildField(field);
    controls.push(built);
    return built.node;
  });
  const error = h('p', { class: 'inline-error', role: 'alert', hidden: true });
  const status = h('p', { class: 'form-status', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'btn btn--primary', text: form.submitLabel || '送出' });
  const cancel = form.cancelAction ? h('button', { type: 'button', class: 'btn btn--default', text: '取消' }) : null;
  const fieldset = h('fieldset', { class: 'form-body' }, fieldNodes, h('div', { class: 'form-actions' }, submit, cancel));
  const node = h(
    'form',
    { class: 'chat-form', novalidate: true, 'aria-labelledby': titleId, 'data-form-id': form.formId },
    h('h3', { class: 'form-title', id: titleId, text: form.title }),
    form.intro ? h('p', { class: 'form-intro', text: form.intro }) : null,
    h('p', { class: 'form-required-note' }, h('span', { class: 'req', 'aria-hidden': 'true', text: '*' }), ' 為必填'),
    fieldset,
    error,
    status,
  );

  const finish = (outcome) => {
    fieldset.disabled = true;
    node.classList.add('is-done');
    status.textContent = outcome === 'cancelled' ? '已取消' : '已送出 ✓';
  };
  const previous = doneFor(message);
  if (previous?.form) finish(previous.form);

  // A draft of this form typed earlier (before a conversation switch or a reload) is put back; typing keeps it.
  const draftKey = formDraftKey(form);
  const draft = draftKey && !previous?.form ? loadDraft(draftKey) : null;
  if (draft && typeof draft === 'object') {
    for (const control of controls) {
      if (Object.hasOwn(draft, control.field.id)) control.write(draft[control.field.id]);
    }
  }
  const keepDraft = () => {
    if (!draftKey || fieldset.disabled) return;
    const values = {};
    for (const control of controls) values[control.field.id] = control.raw();
    saveDraft(draftKey, values);
  };
  node.addEventListener('input', keepDraft);
  node.addEventListener('change', keepDraft);

  node.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (fieldset.disabled) return;
    const problems = [];
    const values = {};
    for (const control of controls) {
      control.setInvalid(false);
      const value = control.read();
      const problem = control.check(value);
      if (problem) {
        problems.push({ control, problem });
        control.setInvalid(true);
      }
      values[control.field.id] = value;
    }
    if (problems.length > 0) {
      showInlineError(error, problems.map((p) => p.problem).join('\n'));
      problems[0].control.focus();
      return;
    }
    hideInlineError(error);
    fieldset.disabled = true;
    submit.textContent = '送出中…';
    try {
      const conversationId = state.openId;
      const result = await api('POST', `${conversationPath(conversationId)}/forms`, {
        as: state.me.id,
        formId: form.formId,
        values,
      });
      markDone(message, { form: 'submitted' });
      if (draftKey) saveDraft(draftKey, null);
      finish('submitted');
      handleReplies(result.replies, conversationId);
      await nav.refresh({ scroll: 'reveal' });
    } catch (failure) {
      fieldset.disabled = false;
      showInlineError(error, failure.message);
    } finally {
      submit.textContent = form.submitLabel || '送出';
    }
  });

  cancel?.addEventListener('click', async () => {
    hideInlineError(error);
    fieldset.disabled = true;
    try {
      const conversationId = state.openId;
      const result = await api('POST', `${conversationPath(conversationId)}/actions`, {
        as: state.me.id,
        action: form.cancelAction,
        messageId: message.id,
      });
      markDone(message, { form: 'cancelled' });
      if (draftKey) saveDraft(draftKey, null);
      finish('cancelled');
      handleReplies(result.replies, conversationId);
      await nav.refresh({ scroll: 'reveal' });
    } catch (failure) {
      fieldset.disabled = false;
      showInlineError(error, failure.message);
    }
  });

  return node;
}

/** One form field: its node plus how to read, check and flag it. */
function buildField(field) {
  const id = nextId('field');
  const helpId = field.help ? `${id}-help` : null;
  const required = Boolean(field.required);
  const labelChildren = [
    field.label,
    field.type === 'datetime' ? h('span', { class: 'label-note', text: '（臺北時間）' }) : null,
    required ? h('span', { class: 'req', 'aria-hidden': 'true', text: ' *' }) : null,
  ];
  const help = field.help ? h('p', { class: 'field-help', id: helpId, text: field.help }) : null;
  const initial = field.initial;
  const options = Array.isArray(field.options) ? field.options : [];
  const missing = `請填寫「${field.label}」。`;

  if (field.type === 'multiselect' || field.type === 'boolean') {
    const choices =
      field.type === 'boolean'
        ? [
            { value: 'true', label: '是' },
            { value: 'false', label: '否' },
          ]
        : options;
    const initialValues = Array.isArray(initial) ? initial : typeof initial === 'string' && initial !== '' ? [initial] : [];
    const name = `${id}-choice`;
    const inputs = choices.map((option, index) =>
      h('input', {
        type: field.type === 'boolean' ? 'radio' : 'checkbox',
        id: `${id}-${index}`,
        name,
        value: option.value,
        checked: initialValues.includes(option.value),
      }),
    );
    const group = h(
      'fieldset',
      {
        class: `form-field choice-group type-${field.type}`,
        'data-field-id': field.id,
        'aria-describedby': helpId ?? false,
        'aria-required': required ? 'true' : false,
      },
      h('legend', {}, labelChildren),
      help,
      h(
        'div',
        { class: 'choices' },
        choices.map((option, index) =>
          h('label', { class: 'choice', for: `${id}-${index}` }, inputs[index], h('span', { text: option.label })),
        ),
      ),
    );
    group.addEventListener('change', () => group.classList.remove('is-invalid'));
    return {
      field,
      node: group,
      read: () =>
        field.type === 'boolean'
          ? (inputs.find((input) => input.checked)?.value ?? '')
          : inputs.filter((input) => input.checked).map((input) => input.value),
      raw: () => inputs.filter((input) => input.checked).map((input) => input.value),
      write: (value) => {
        const wanted = Array.isArray(value) ? value : [];
        for (const input of inputs) input.checked = wanted.includes(input.value);
      },
      check: (value) =>
        required && value.length === 0
          ? field.type === 'boolean'
            ? `請選擇「${field.label}」是或否。`
            : `請至少勾選一項「${field.label}」。`
          : null,
      setInvalid: (invalid) => group.classList.toggle('is-invalid', invalid),
      focus: () => inputs[0]?.focus(),
    };
  }

  let control;
  const common = {
    id,
    name: field.id,
    'aria-describedby': helpId ?? false,
    'aria-required': required ? 'true' : false,
    required,
  };
  if (field.type === 'textarea') {
    control = h('textarea', { ...common, rows: 3, maxlength: field.maxLength ?? false, placeholder: field.placeholder ?? false });
    control.value = typeof initial === 'string' ? initial : '';
  } else if (field.type === 'select') {
    const initialValue = typeof initial === 'string' ? initial : '';
    control = h(
      'select',
      common,
      h('option', { value: '', text: '請選擇…', disabled: required, selected: initialValue === '' }),
      options.map((option) => h('option', { value: option.value, text: option.label, selected: option.value === initialValue })),
    );
  } else if (field.type === 'datetime') {
    control = h('input', { ...common, type: 'datetime-local', step: 60 });
    control.value = toLocalInputValue(initial);
  } else if (field.type === 'number') {
    control = h('input', { ...common, type: 'number', inputmode: 'numeric', placeholder: field.placeholder ?? false });
    control.value = typeof initial === 'string' ? initial : '';
  } else {
    control = h('input', { ...common, type: 'text', maxlength: field.maxLength ?? false, placeholder: field.placeholder ?? false });
    control.value = typeof initial === 'string' ? initial : '';
  }

  // Ready-made answers (e.g. 「尚未處置」) where the core offers them.
  const suggestions =
    (field.type === 'text' || field.type === 'textarea') && Array.isArray(field.suggestions) && field.suggestions.length
      ? h(
          'div',
          { class: 'suggestions', role: 'group', 'aria-label': `「${field.label}」的常用答案` },
          field.suggestions.map((text) =>
            h('button', {
              type: 'button',
              class: 'suggestion',
              text,
              onclick: () => {
                control.value = text;
                control.dispatchEvent(new Event('input', { bubbles: true }));
                control.focus();
              },
            }),
          ),
        )
      : null;
  const node = h(
    'div',
    { class: `form-field type-${field.type}`, 'data-field-id': field.id },
    h('label', { for: id }, labelChildren),
    help,
    control,
    suggestions,
  );
  const clear = () => {
    node.classList.remove('is-invalid');
    control.removeAttribute('aria-invalid');
  };
  control.addEventListener('input', clear);
  control.addEventListener('change', clear);
  return {
    field,
    node,
    read: () => {
      if (field.type === 'datetime') return control.value.slice(0, 16);
      if (field.type === 'select' || field.type === 'number') return control.value;
      return control.value.trim();
    },
    raw: () => control.value,
    write: (value) => {
      if (typeof value === 'string') control.value = value;
    },
    check: (value) => {
      if (field.type === 'number' && control.validity.badInput) return `「${field.label}」請填數字。`;
      if (field.type === 'datetime' && control.validity.badInput) return `「${field.label}」的日期時間不完整。`;
      if (required && value === '') return field.type === 'select' ? `請選擇「${field.label}」。` : missing;
      return null;
    },
    setInvalid: (invalid) => {
      node.classList.toggle('is-invalid', invalid);
      control.setAttribute('aria-invalid', invalid ? 'true' : 'false');
    },
    focus: () => control.focus(),
  };
}
