// The message box: Enter sends, Shift+Enter breaks the line, the box grows with its text.

/**
 * Wires the composer form. `send(text)` resolves to whether the text was sent; a text that
 * was not is put back, unless the person already typed something new.
 */
export function composer({ form, input, startButton, send }) {
  function fitInput() {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    fitInput();
    if (!(await send(text)) && !input.value) {
      input.value = text;
      fitInput();
    }
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  input.addEventListener("input", fitInput);
  startButton.addEventListener("click", () => send("/start"));
}
