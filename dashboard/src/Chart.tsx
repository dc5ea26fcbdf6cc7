import { useEffect, useRef } from 'react';
import { parse, View } from 'vega';
import { expressionInterpreter } from 'vega-interpreter';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * A Vega-Lite chart rendered as SVG in the page. Vega-Lite compiles the spec to Vega, which is
 * parsed with `ast: true` and run by vega-interpreter: no `eval`/`new Function`, so the page's
 * CSP (`script-src 'self'`, no 'unsafe-eval') holds. The data arrives as the `table` dataset.
 */
export function Chart({ spec, rows, label }: { spec: TopLevelSpec; rows: readonly object[]; label: string }) {
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const container = element.current;
    if (!container) return undefined;
    const vega = compile({ ...spec, data: { name: 'table' } } as TopLevelSpec).spec;
    const view = new View(parse(vega, undefined, { ast: true }), {
      expr: expressionInterpreter,
      renderer: 'svg',
      container,
      hover: true,
      logLevel: 1,
    });
    view.data(
      'table',
      rows.map((row) => ({ ...row })),
    );
    view.runAsync().catch((error: unknown) => console.warn('chart', error));
    return () => {
      view.finalize();
    };
  }, [spec, rows]);
  return <div className="chart" ref={element} role="img" aria-label={label} />;
}

const FONT = 'system-ui, sans-serif';

/** Shared look: the page's font, no border. */
export const CHART_CONFIG = {
  font: FONT,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal' },
  axisX: { labelAngle: 0 },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'bottom' },
} as const;
