// Props every Mantine Modal of the console takes. Its scroll lock (react-remove-scroll) injects
// <style> elements without the CSP nonce, which the page's CSP refuses: the page behind a modal
// keeps its scrollbar instead. The close button gets a name (axe: button-name).
export const MODAL = {
  lockScroll: false,
  closeButtonProps: { "aria-label": "Close" },
} as const;
