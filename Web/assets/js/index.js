// The landing page: says whether this server still needs its owner account.
import { getJSON } from "./api.js";

const status = await getJSON("/api/v1/setup/status").catch(() => null);
if (status?.setupRequired) {
  document.getElementById("setup-needed").hidden = false;
}
