// Opens a page of `herald serve`, rewrites a Markdown file on disk, and waits until the new text
// appears in the page without any action: the live reload as an editor sees it.
//
// usage: node reload.mjs PAGE_URL MARKDOWN_FILE NEW_TEXT
import { writeFileSync, readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const [url, file, marker] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage();
  await page.goto(url);
  // The reload script has connected once the server's first event arrived.
  await page.waitForFunction(() => performance.getEntriesByType("resource")
    .some((r) => r.name.includes("/__herald/events")), null, { timeout: 10000 }).catch(() => {});
  await page.waitForTimeout(300);
  const before = readFileSync(file, "utf8");
  writeFileSync(file, before.replace(/\n---\n[\s\S]*$/, `\n---\n${marker}\n`));
  await page.waitForFunction((text) => document.body.innerText.includes(text), marker, { timeout: 10000 });
  console.log("reloaded: the page shows the new text");
} finally {
  await browser.close();
}
