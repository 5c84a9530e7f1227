/** What every renderer takes besides the Report. Renderers are pure: they never touch `process`. */
export interface RenderOptions {
  /** Colour for emphasis (text only); the CLI decides (TTY, NO_COLOR, --color). */
  readonly color?: boolean;
  /** --fail-on, for formats that mark failures (junit, github). */
  readonly failOn?: 'error' | 'warning' | 'info' | 'never';
}

export type Renderer = (report: import('../model/report.js').Report, opts: RenderOptions) => string;
