// The tab bar: Language model | Classify names | Forecast births. A tab's panel is shown and the others hidden
// (so their charts do not lay out); the URL's hash names the tab (#classify, #forecast), and a tab's worker
// starts the first time it is shown (`activate`). Arrow keys move between the tabs (WAI-ARIA tabs pattern).

import { hooks, type TabName } from "./test-hooks";

const NAMES: TabName[] = ["lm", "classify", "forecast"];

export function setupTabs(activate: Record<TabName, () => void>): void {
  const tabs = NAMES.map((name) => document.getElementById(`tab-${name}`) as HTMLButtonElement);
  const panels = NAMES.map((name) => document.getElementById(`panel-${name}`) as HTMLElement);

  function show(name: TabName, { focus = false, hash = true } = {}): void {
    const i = NAMES.indexOf(name);
    NAMES.forEach((_, j) => {
      tabs[j].setAttribute("aria-selected", String(i === j));
      tabs[j].tabIndex = i === j ? 0 : -1;
      panels[j].hidden = i !== j;
    });
    hooks.tab = name;
    activate[name]();
    if (focus) tabs[i].focus();
    if (hash) history.replaceState(null, "", name === "lm" ? location.pathname + location.search : `#${name}`);
  }

  const fromHash = (): TabName => {
    const name = location.hash.slice(1) as TabName;
    return NAMES.includes(name) ? name : "lm";
  };

  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => show(NAMES[i]));
    tab.addEventListener("keydown", (event) => {
      const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
      if (event.key === "Home" || event.key === "End") {
        event.preventDefault();
        show(NAMES[event.key === "Home" ? 0 : NAMES.length - 1], { focus: true });
      } else if (step !== 0) {
        event.preventDefault();
        show(NAMES[(i + step + NAMES.length) % NAMES.length], { focus: true });
      }
    });
  });
  addEventListener("hashchange", () => show(fromHash(), { hash: false }));
  show(fromHash(), { hash: false });
}
