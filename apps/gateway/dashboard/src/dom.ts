// Small DOM builders shared by the controls.

/** An <option> with a value and its text. */
export function option(value: string, text: string): HTMLOptionElement {
  const element = document.createElement('option');
  element.value = value;
  element.textContent = text;
  return element;
}

/** A small data table in a focusable, labelled scroll region: a caption, column headers and text cells. */
export function scrollingTable(spec: { label: string; className: string; caption: string; columns: string[]; rows: string[][] }): {
  wrapper: HTMLDivElement;
  body: HTMLTableSectionElement;
} {
  const table = document.createElement('table');
  table.className = `data-table ${spec.className}`;
  table.createCaption().textContent = spec.caption;
  const head = table.createTHead().insertRow();
  for (const label of spec.columns) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = label;
    head.append(th);
  }
  const body = table.createTBody();
  for (const cells of spec.rows) {
    const row = body.insertRow();
    for (const text of cells) row.insertCell().textContent = text;
  }
  const wrapper = document.createElement('div');
  wrapper.className = 'table-scroll';
  wrapper.tabIndex = 0;
  wrapper.setAttribute('role', 'region');
  wrapper.setAttribute('aria-label', spec.label);
  wrapper.append(table);
  return { wrapper, body };
}
