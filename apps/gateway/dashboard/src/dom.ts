// Small DOM builders shared by the controls.

/** An <option> with a value and its text. */
export function option(value: string, text: string): HTMLOptionElement {
  const element = document.createElement('option');
  element.value = value;
  element.textContent = text;
  return element;
}
