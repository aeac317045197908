// The landing page: says whether this server still needs its owner account, and who is signed in.
import { getJSON } from "./api.js";

const [status, session] = await Promise.all([
  getJSON("/api/v1/setup/status").catch(() => null),
  getJSON("/api/v1/auth/session").catch(() => null),
]);
if (status?.setupRequired) {
  document.getElementById("setup-needed").hidden = false;
} else if (session?.user && session.stage === "active") {
  document.getElementById("signed-in-name").textContent = session.user.displayName;
  document.getElementById("signed-in").hidden = false;
  // The server decides what the console shows; the link is only for roles that can see something there.
  document.getElementById("admin-link").hidden = !["owner", "admin", "auditor"].includes(session.user.role);
} else {
  document.getElementById("signed-out").hidden = false;
  document.getElementById("signup").hidden = !session?.signupAllowed;
}
