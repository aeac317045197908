// Shows this deployment's own security contact, as published in security.txt.
const response = await fetch("/.well-known/security.txt").catch(() => null);
if (response?.ok) {
  const text = await response.text();
  const contact = text.split("\n").find((line) => line.startsWith("Contact: "))?.slice("Contact: ".length).trim();
  if (contact) {
    const link = document.getElementById("contact-link");
    link.href = contact;
    link.textContent = contact.replace(/^mailto:/, "");
  }
}
