// Loads the islands' WebAssembly bundle and wakes every island on the page.
// The page is complete without this script; islands only add behaviour.
import init, * as bundle from "/pkg/web_ui.js";

await init({ module_or_path: "/pkg/web_ui.wasm" });
bundle.hydrate();
for (const el of document.querySelectorAll("leptos-island")) {
  const wake = bundle[el.dataset.component];
  if (typeof wake === "function") {
    wake(el);
  } else {
    console.warn(`no island function named ${el.dataset.component}`);
  }
}
