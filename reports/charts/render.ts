// vega-lite spec -> SVG (vega, headless, no DOM) -> PNG (resvg with DejaVu Sans).
import { compile, type TopLevelSpec } from 'vega-lite';
import { Error as ERROR_LEVEL, logger, parse, View } from 'vega';
import { Resvg } from '@resvg/resvg-js';
import { FONT } from './style.ts';

export async function specToSvg(spec: TopLevelSpec): Promise<string> {
  // Only errors: vega-lite's optimizer notices ("maximum optimization runs") are not for users.
  const quiet = logger(ERROR_LEVEL);
  const view = new View(parse(compile(spec, { logger: quiet }).spec), { renderer: 'none', logger: quiet });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function svgToPng(svg: string, scale = 2): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: FONT, sansSerifFamily: FONT },
  });
  return resvg.render().asPng();
}
