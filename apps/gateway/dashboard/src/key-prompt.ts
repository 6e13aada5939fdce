// The key prompt: asks for an API key when the gateway wants one (AUTH_MODE=keys) and says why an
// entered key was refused. It hands the key on and keeps no copy: the input is emptied at once.

export interface KeyPromptElements {
  section: HTMLElement;
  form: HTMLFormElement;
  input: HTMLInputElement;
  error: HTMLElement;
}

export function createKeyPrompt(el: KeyPromptElements, onKey: (key: string) => void) {
  function setError(text: string): void {
    el.error.textContent = text;
    if (text === '') el.input.removeAttribute('aria-invalid');
    else el.input.setAttribute('aria-invalid', 'true');
  }

  el.form.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = el.input.value.trim();
    el.input.value = '';
    if (key === '') {
      setError('Enter a key first.');
      el.input.focus();
      return;
    }
    onKey(key);
  });

  return {
    /** Shows the prompt, with why the last key was refused when there was one, and focuses the input. */
    show(refusal = ''): void {
      el.section.hidden = false;
      setError(refusal);
      el.input.focus();
    },
    hide(): void {
      el.section.hidden = true;
      setError('');
    },
  };
}
