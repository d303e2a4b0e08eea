/**
 * Types of the browser objects that the functions passed to page.evaluate() use. Those functions
 * run in Chromium, but e2e/ is type-checked together with the API under Node's types only. The
 * DOM library stays out because its fetch types reject the Buffer request bodies of the API tests.
 */
export interface PageElement {
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
}

export interface PageImage {
  readonly naturalWidth: number;
  decode(): Promise<void>;
}

/** The globals of a page, as seen from a function that runs in it. */
export interface PageGlobals {
  navigator: {
    serviceWorker: {
      ready: Promise<unknown>;
      controller: { state: string; scriptURL: string } | null;
    };
  };
  document: {
    body: PageElement;
    querySelectorAll(selector: string): { length: number };
  };
  MutationObserver: new (callback: (records: { target: PageElement }[]) => void) => {
    observe(target: PageElement, options: { subtree: boolean; attributes: boolean; attributeFilter: string[] }): void;
  };
}
