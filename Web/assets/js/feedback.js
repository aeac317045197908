// How the meeting page answers: the live region (screen readers hear joins, leaves, hands, chat),
// toasts (every action's outcome, also announced), and banners (what a host did to you; they stay
// until dismissed).
import { byId, make } from "./dom.js";

export function announce(text) {
  const region = byId("announcer");
  region.append(make("p", { text }));
  while (region.childElementCount > 5) region.firstElementChild.remove();
}

export function toast(text, kind = "info") {
  const area = byId("toasts");
  const item = make("div", { className: "toast toast--" + kind, text });
  area.append(item);
  // A few at a time, newest last: older ones make room rather than cover the tiles.
  while (area.childElementCount > 3) area.firstElementChild.remove();
  setTimeout(() => item.remove(), 6000);
}

/** Shows `notice` (`{id, text, action}`) in place of any banner with the same id; `onUnmute` backs its Unmute button. */
export function banner(notice, onUnmute) {
  const area = byId("banners");
  clearBanners(notice.id);
  const node = make("div", { className: "banner", attributes: { role: "alert", "data-banner": notice.id } }, make("p", { className: "banner__text", text: notice.text }));
  if (notice.action === "unmute") {
    const unmute = make("button", { className: "button button--primary button--small", text: "Unmute", attributes: { type: "button" } });
    unmute.addEventListener("click", () => {
      node.remove();
      onUnmute();
    });
    node.append(unmute);
  }
  const dismiss = make("button", { className: "button button--ghost button--small", text: "Dismiss", attributes: { type: "button" } });
  dismiss.addEventListener("click", () => node.remove());
  node.append(dismiss);
  area.append(node);
}

export function clearBanners(...ids) {
  for (const id of ids) byId("banners").querySelector(`[data-banner="${CSS.escape(id)}"]`)?.remove();
}
