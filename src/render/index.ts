/**
 * Rendering layer: slices -> RGBA images -> PNG. Browser-safe (no `node:` imports), no canvas needed.
 * Typical use: viewPlan(affine, "axial") -> extractSlice(...) -> threePanelFigure(...) -> encodePng(...).
 */
export { colormapLUT, labelColor, lutIndex, inferno, viridis, gray, COLORMAP_NAMES } from "./colormap.js";
export type { ColormapName } from "./colormap.js";
export { axisDirections, axisCodes, viewPlan, NEUROLOGICAL_ORIENTATION } from "./orientation.js";
export type { Affine, View, ViewPlan, WorldAxis, AxisDirection } from "./orientation.js";
export { extractSlice, sliceCount, gridDims3 } from "./slice.js";
export type { GridVolume, Slice } from "./slice.js";
export {
  newImage, fill, fillRect, blit, scalarToRGBA, labelsToRGBA, overlay, scaleNearest, colorBar, colorBarRampTop,
  formatTick, NAN_COLOR, TRANSPARENT,
} from "./image.js";
export type { RGBAImage, RGBA, ColorBarOptions } from "./image.js";
export { drawText, textWidth, hasGlyph, GLYPH_WIDTH, GLYPH_ADVANCE, FONT_ASCENT, FONT_HEIGHT } from "./font.js";
export { threePanelFigure, montage, percentileWindow } from "./figure.js";
export type { ThreePanelOptions, ScreenMarks } from "./figure.js";
export { profilePlot } from "./plot.js";
export type { ProfilePlotOptions } from "./plot.js";
export { encodePng } from "./png.js";
export { renderFigureSet, sliceTotals, arrayPlan } from "./figureset.js";
export type { FigureSet, FigureSetInput, Figure } from "./figureset.js";
