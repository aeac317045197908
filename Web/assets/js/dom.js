// Small DOM helpers the meeting page's modules share.

export const byId = (id) => document.getElementById(id);

/** A new element with a class, text and children; `attributes` are set as attributes. */
export function make(tag, { className, text, attributes } = {}, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes ?? {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}
