// Renders the masked preview from messages the extension posts (see src/preview.ts).
// Builds DOM nodes with textContent only: token text is data, never markup.
(function () {
  const vscode = acquireVsCodeApi();
  const content = document.getElementById("content");
  const title = document.getElementById("title");
  const summary = document.getElementById("summary");

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // Whitespace made visible, so token boundaries show.
  function visible(text) {
    return text.replace(/ /g, "·").replace(/\t/g, "→").replace(/\r/g, "␍").replace(/\n/g, "↵");
  }

  function pct(n, d) {
    return d ? `${Math.round((100 * n) / d)}%` : "0%";
  }

  // Consecutive tokens of one turn (null = template scaffolding) form one section.
  function sections(tokens) {
    const out = [];
    for (const t of tokens) {
      const last = out[out.length - 1];
      if (last && last.turn === t.turn) last.tokens.push(t);
      else out.push({ turn: t.turn, tokens: [t] });
    }
    return out;
  }

  function notice(msg) {
    title.textContent = msg.title;
    summary.textContent = "";
    content.replaceChildren(el("p", "notice", msg.text));
  }

  function row(msg) {
    const d = msg.data;
    const tokens = d.tokens || [];
    const trained = tokens.filter((t) => t.trained).length;
    title.textContent = `${msg.file} · row at line ${d.row}`;
    summary.textContent = `${tokens.length} tokens · ${trained} trained (${pct(trained, tokens.length)})` +
      (d.format ? ` · format ${d.format}` : "");
    summary.dataset.tokens = String(tokens.length);
    summary.dataset.trained = String(trained);
    const parts = [];
    if (d.message) parts.push(el("p", "notice", d.message));
    for (const s of sections(tokens)) {
      const sec = el("section", "turn");
      const n = s.tokens.filter((t) => t.trained).length;
      const turn = s.turn === null ? undefined : (d.turns || []).find((x) => x.turn === s.turn);
      const role = turn ? turn.role : null;
      const name = s.turn === null ? "template" : `turn ${s.turn}${role ? ` · ${role}` : ""}`;
      const head = el("h2", "turn-header");
      head.append(el("span", "turn-name", name),
        el("span", "turn-counts", `${s.tokens.length} tokens · ${n} trained`));
      head.dataset.turn = s.turn === null ? "" : String(s.turn);
      head.dataset.tokens = String(s.tokens.length);
      head.dataset.trained = String(n);
      const chips = el("div", "chips");
      for (const t of s.tokens) {
        const chip = el("span", `tok ${t.trained ? "trained" : "masked"}`, visible(t.text));
        chip.title = `id ${t.id} · ${t.trained ? "trained" : "masked"}${t.reason ? ` (${t.reason})` : ""}`;
        chip.dataset.id = String(t.id);
        chip.setAttribute("aria-label", `${t.trained ? "trained" : "masked"} token ${t.id}`);
        chips.append(chip);
      }
      sec.append(head, chips);
      parts.push(sec);
    }
    const findings = d.findings || [];
    const fsec = el("section", "findings");
    fsec.append(el("h2", "", findings.length ? `Findings (${findings.length})` : "No findings in this row"));
    if (findings.length) {
      const ul = el("ul");
      for (const f of findings) {
        const li = el("li", `finding ${f.severity}`);
        li.append(el("code", "", f.code), document.createTextNode(` ${f.severity} ${f.location ? `${f.location.row}:${f.location.column}` : ""} `), el("span", "msg", f.message));
        ul.append(li);
      }
      fsec.append(ul);
    }
    parts.push(fsec);
    content.replaceChildren(...parts);
  }

  window.addEventListener("message", (event) => {
    const msg = event.data;
    if (msg.kind === "row") row(msg);
    else if (msg.kind === "notice") notice(msg);
  });
  vscode.postMessage({ kind: "ready" });
})();
