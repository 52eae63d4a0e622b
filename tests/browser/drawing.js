// One Graphviz drawing, opened on its own as an SVG document or inline in a page, measured in the
// browser (run by tests/browser/browser_pages.py).
//
// Called as `measure({scale, floor, index})`: `scale` is the size the drawing is shown at on its
// page (1 at its natural size, or inline), `floor` the smallest readable font size in CSS pixels,
// `index` which of the page's Graphviz drawings to measure (none: the page is the drawing).
// Returns the problems, one list per claim: text too small as displayed, text outside its box.
// A text's box
// is the smallest shape of its node (a table cell, an oval, the node's outline) around the point
// Graphviz placed the text at; a text with no shape around it (the caption, an edge label, a
// borderless cell) must stay inside the drawing. Texts on one line must not run into each other.
(({scale, floor, index}) => {
  const problems = {textSize: [], textInBox: []};
  const round = (x) => Math.round(x * 10) / 10;
  const inside = (p, b, tol) =>
    p.x >= b.x - tol && p.x <= b.x + b.width + tol && p.y >= b.y - tol && p.y <= b.y + b.height + tol;
  const contains = (outer, inner, tol) =>
    inner.x >= outer.x - tol && inner.y >= outer.y - tol &&
    inner.x + inner.width <= outer.x + outer.width + tol &&
    inner.y + inner.height <= outer.y + outer.height + tol;
  const inEllipse = (p, e, tol) => {
    const rx = e.rx.baseVal.value + tol, ry = e.ry.baseVal.value + tol;
    return ((p.x - e.cx.baseVal.value) / rx) ** 2 + ((p.y - e.cy.baseVal.value) / ry) ** 2 <= 1;
  };
  const areaOf = (b) => b.width * b.height;
  const shapeSelector = 'polygon, ellipse, path, rect, polyline';

  const graphs = [...document.querySelectorAll('svg')].filter((svg) => svg.querySelector('g.graph'));
  const svg = index === undefined || index === null ? document.documentElement : graphs[index];
  const graph = svg.querySelector('g.graph');
  if (!graph) return problems;  // not a Graphviz drawing
  const background = graph.querySelector(':scope > polygon');
  const whole = background ? background.getBBox() : svg.getBBox();
  let smallest = Infinity, smallestText = '';
  const placed = [];  // {text, box, cell}: for the check that texts on one line do not collide
  for (const text of svg.querySelectorAll('text')) {
    const content = text.textContent.trim();
    if (!content) continue;
    const label = `"${content}"`;
    const size = parseFloat(getComputedStyle(text).fontSize);
    const matrix = text.getScreenCTM();
    const shownSize = size * Math.hypot(matrix.a, matrix.b) * scale;
    if (shownSize < smallest) { smallest = shownSize; smallestText = content; }

    const box = text.getBBox();
    if (!contains(whole, box, 0.5)) {
      problems.textInBox.push(`${label} runs outside the drawing`);
      continue;
    }
    const group = text.closest('g.node, g.cluster');
    if (!group) { placed.push({text, box, cell: 'drawing'}); continue; }  // caption, edge label
    // the point Graphviz placed the text at, nudged into the text: it lies in the text's cell
    const anchor = text.getAttribute('text-anchor') || 'start';
    const x = parseFloat(text.getAttribute('x'));
    const point = {
      x: anchor === 'start' ? x + 0.5 : anchor === 'end' ? x - 0.5 : x,
      y: parseFloat(text.getAttribute('y')) - 0.35 * size,
    };
    const shapes = [...group.querySelectorAll(shapeSelector)].filter((s) => {
      const b = s.getBBox();
      return b.width > 0 && b.height > 0 && inside(point, b, 0.5);
    });
    if (shapes.length === 0) {  // plain text, or a table cell without a border
      placed.push({text, box, cell: 'drawing'});
      continue;
    }
    const cell = shapes.reduce((a, b) => (areaOf(b.getBBox()) < areaOf(a.getBBox()) ? b : a));
    const cellBox = cell.getBBox();
    placed.push({text, box, cell: [cellBox.x, cellBox.y, cellBox.width, cellBox.height].join()});
    if (cell.tagName === 'ellipse') {
      const middle = box.y + box.height / 2;
      const ends = [{x: box.x, y: middle}, {x: box.x + box.width, y: middle}];
      if (!ends.every((p) => inEllipse(p, cell, 0.5))) {
        problems.textInBox.push(
          `${label} (${round(box.width)} wide) runs out of its oval ` +
          `(${round(2 * cell.rx.baseVal.value)} wide)`);
      }
    } else if (!contains(cellBox, box, 0.5)) {
      const over = Math.max(
        cellBox.x - box.x, box.x + box.width - cellBox.x - cellBox.width,
        cellBox.y - box.y, box.y + box.height - cellBox.y - cellBox.height);
      problems.textInBox.push(
        `${label} runs ${round(over)} pt past its box (text ${round(box.width)} × ` +
        `${round(box.height)}, box ${round(cellBox.width)} × ${round(cellBox.height)})`);
    }
  }
  // two texts on one line of one box must not run into each other
  for (const a of placed) {
    for (const b of placed) {
      const sameLine = Math.abs(a.text.getAttribute('y') - b.text.getAttribute('y')) < 0.5;
      if (a !== b && a.cell === b.cell && sameLine && a.box.x < b.box.x &&
          a.box.x + a.box.width > b.box.x + 0.5) {
        problems.textInBox.push(
          `"${a.text.textContent.trim()}" runs ${round(a.box.x + a.box.width - b.box.x)} pt ` +
          `into "${b.text.textContent.trim()}"`);
      }
    }
  }
  if (smallest < floor) {
    problems.textSize.push(
      `text shown ${round(smallest)} px high (e.g. "${smallestText.slice(0, 40)}"), below ` +
      `${floor} px`);
  }
  return problems;
})
