// How much a chart drew: the share of a canvas's pixels that differ from its most common colour (the
// background). Used by the demo tests to tell a rendered chart from an empty one without comparing images.

import type { Page } from "playwright-core";

/** The largest such share over the canvas `selector` names, or the canvases inside it; and how many there are. */
export async function inkFraction(page: Page, selector: string): Promise<{ canvases: number; ink: number }> {
  return page.locator(selector).first().evaluate((root) => {
    const canvases = root instanceof HTMLCanvasElement ? [root] : Array.from(root.querySelectorAll("canvas"));
    let best = 0;
    for (const c of canvases) {
      if (c.width === 0 || c.height === 0) continue;
      const data = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      const counts = new Map<number, number>();
      for (let i = 0; i < data.length; i += 4) {
        const key = (data[i] << 24) ^ (data[i + 1] << 16) ^ (data[i + 2] << 8) ^ data[i + 3];
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const background = Math.max(...counts.values());
      const pixels = data.length / 4;
      best = Math.max(best, (pixels - background) / pixels);
    }
    return { canvases: canvases.length, ink: best };
  });
}
