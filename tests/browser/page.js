// What a reader sees on a page, measured in the browser (run by tests/browser/browser_pages.py).
//
// Called as `measure({root})` on a loaded page; `root` is a CSS selector for the part to check
// (the notebook's body, or the README's column). Returns the problems, one list per claim, each
// naming where it is (a notebook cell's id, mapped to its number in Python), and every image
// with the scale it is shown at: drawing.js then measures each SVG drawing, an image opened on
// its own or an <svg> inline in the page (by its index among the page's Graphviz drawings).
(({root}) => {
  const area = document.querySelector(root);
  const problems = {width: [], images: []};
  const viewport = document.documentElement.clientWidth;
  const areaRight = Math.min(viewport, area.getBoundingClientRect().right);
  const round = (x) => Math.round(x * 10) / 10;
  const cells = [...document.querySelectorAll('.jp-Cell')];
  const where = (el) => {
    const cell = el.closest('.jp-Cell');
    if (cell && cell.id) return `cell-id=${cell.id.replace(/^cell-id=/, '')}`;
    if (cell) return `cell ${cells.indexOf(cell)}`;  // JupyterLab: no ids, count the cells
    const src = el.getAttribute('src') || '';
    return src && !src.startsWith('data:') ? src : 'the page';
  };

  // Nothing wider than the page: no sideways scrolling, for the page or inside an output.
  if (document.documentElement.scrollWidth > viewport + 1) {
    problems.width.push(
      `the page is ${document.documentElement.scrollWidth} px wide in a ${viewport} px window ` +
      '(the reader scrolls sideways)');
  }
  for (const el of area.querySelectorAll('.jp-OutputArea-output, .jp-OutputArea-output *')) {
    const hides = ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(el).overflowX);
    if (hides && el.scrollWidth > el.clientWidth + 1) {
      problems.width.push(
        `${where(el)}: an output <${el.tagName.toLowerCase()}> holds ${el.scrollWidth} px of ` +
        `content in ${el.clientWidth} px (cut off, or scrolled sideways)`);
    }
  }
  const shown = [...area.querySelectorAll('img, svg')].filter((el) => !el.parentElement.closest('svg'));
  for (const el of shown) {
    const rect = el.getBoundingClientRect();
    if (rect.width > 0 && rect.right > areaRight + 1) {
      problems.width.push(
        `${where(el)}: a ${round(rect.width)} px wide ${el.tagName.toLowerCase()} ends at ` +
        `${round(rect.right)} px, past the ${round(areaRight)} px the page shows`);
    }
  }

  // Every image loads; those that are SVG drawings are listed with their displayed scale.
  const drawings = [];
  for (const img of area.querySelectorAll('img')) {
    const src = img.getAttribute('src') || '';
    if (!img.complete || img.naturalWidth === 0) {
      problems.images.push(`${where(img)}: the image ${src.slice(0, 60)} did not load`);
      continue;
    }
    const rect = img.getBoundingClientRect();
    const scale = rect.width / img.naturalWidth;
    if (src.startsWith('data:image/svg+xml') || /\.svg$/i.test(src)) {
      drawings.push({where: where(img), url: img.src, scale});
    } else {
      drawings.push({where: where(img), url: img.src, scale, raster: true,
                     naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight});
    }
  }
  // Drawings inline in the page (a widget's HTML), numbered as drawing.js finds them.
  const graphs = [...document.querySelectorAll('svg')].filter((svg) => svg.querySelector('g.graph'));
  for (const svg of graphs) {
    if (area.contains(svg)) drawings.push({where: where(svg), inline: graphs.indexOf(svg), scale: 1});
  }
  return {problems, drawings};
})
