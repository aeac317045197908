// Shows this deployment's own security contact, as published in security.txt, and the researchers
// who reported fixed vulnerabilities and allowed us to credit them.
import { getJSON } from "./api.js";
import { byId, make } from "./dom.js";

const fixedIn = new Intl.DateTimeFormat(undefined, { month: "long", year: "numeric" });

async function showContact() {
  const response = await fetch("/.well-known/security.txt").catch(() => null);
  if (!response?.ok) return;
  const text = await response.text();
  const contact = text.split("\n").find((line) => line.startsWith("Contact: "))?.slice("Contact: ".length).trim();
  if (contact) {
    const link = byId("contact-link");
    link.href = contact;
    link.textContent = contact.replace(/^mailto:/, "");
  }
}

async function showAcknowledgments() {
  const empty = byId("acknowledgments-empty");
  let acknowledgments;
  try {
    ({ acknowledgments } = await getJSON("/api/v1/security-acknowledgments"));
  } catch {
    empty.textContent = "The acknowledgments could not be loaded just now.";
    empty.hidden = false;
    return;
  }
  const list = byId("acknowledgments-list");
  list.replaceChildren(...(acknowledgments ?? []).map((entry) => make("li", { className: "list__item" },
    make("span", { className: "list__title break", text: entry.name }),
    make("span", { className: "muted" }, "Fixed ",
      make("time", { text: fixedIn.format(new Date(entry.fixedAt)), attributes: { datetime: entry.fixedAt } })))));
  list.hidden = list.childElementCount === 0;
  empty.hidden = list.childElementCount > 0;
}

await Promise.all([showContact(), showAcknowledgments()]);
