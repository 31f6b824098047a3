"""folium maps with every script and style served by the app (or inlined): no CDN.

`embedded_map` gives the parts to put into a Django page; `standalone_map`
gives one HTML document with the scripts and styles inlined, so the file
works offline (only the background tiles need the network).
"""
import base64
import re
from dataclasses import dataclass

import folium
from branca.element import MacroElement
from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.utils.html import escape, format_html, format_html_join
from django.utils.translation import gettext as _
from folium.map import Layer
from folium.plugins import HeatMap
from folium.utilities import JsCode
from jinja2 import Template

from geo_indi.observations import suppression

from .services import NO_DATA_COLOUR, in_unit, other_unit, unit_title

# (name, static path) of what the maps need; folium's other defaults (jQuery,
# Bootstrap, glyphicons, Font Awesome, awesome-markers) are not used and dropped.
MAP_JS = [("leaflet", "vendor/leaflet/leaflet.js")]
MAP_CSS = [("leaflet_css", "vendor/leaflet/leaflet.css"), ("maps_css", "maps/maps.css")]
HEAT_JS = [("leaflet-heat.js", "vendor/leaflet.heat/leaflet-heat.js")]
TILES_JS = [("vectorgrid.js", "vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js")]

SUPPRESSED_FILL = "#f2f2f2"

HATCH_DEFS = """<svg class="map-defs" width="0" height="0" aria-hidden="true" focusable="false" style="position:absolute">
<defs><pattern id="suppressed-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
<rect width="8" height="8" fill="#f2f2f2"/><line x1="0" y1="0" x2="0" y2="8" stroke="#6b6b6b" stroke-width="3"/>
</pattern></defs></svg>"""

_ON_EACH_FEATURE = JsCode(
    """function (feature, layer) {
        layer.bindTooltip(feature.properties.tooltip, {sticky: true});
        layer.bindPopup(feature.properties.popup, {maxWidth: 360});
    }"""
)


class Legend(MacroElement):
    """A Leaflet control holding the legend (HTML escaped on the server)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: "bottomright"});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create("div", "map-legend");
            div.innerHTML = {{ this.html|tojson }};
            L.DomEvent.disableClickPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}"""
    )

    def __init__(self, html):
        super().__init__()
        self._name = "Legend"
        self.html = str(html)


class HeatLegend(MacroElement):
    """The heatmap's own legend: shown while a heatmap layer is on."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: "bottomleft"});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create("div", "map-legend heat-legend");
            div.innerHTML = {{ this.html|tojson }};
            return div;
        };
        (function (map, legend) {
            var shown = 0;
            map.on("overlayadd", function (e) {
                if (isHeat(e.layer) && shown++ === 0) legend.addTo(map);
            });
            map.on("overlayremove", function (e) {
                if (isHeat(e.layer) && --shown === 0) legend.remove();
            });
            function isHeat(layer) {
                return (L.HeatLayer && layer instanceof L.HeatLayer) || layer.geoIndiHeat === true;
            }
        })({{ this._parent.get_name() }}, {{ this.get_name() }});
        {% endmacro %}"""
    )

    def __init__(self, html):
        super().__init__()
        self._name = "HeatLegend"
        self.html = str(html)


def heat_legend_html():
    return format_html(
        '<p class="legend-title">{}</p><div class="heat-ramp" aria-hidden="true"></div>'
        '<p class="heat-ends"><span>{}</span><span>{}</span></p>',
        _("Heatmap: density of observations"), _("few"), _("many"),
    )


class ObjectTiles(Layer):
    """Object observations from the vector tiles (geo_indi.maps.tiles): heat cells, then points from
    POINTS_MIN_ZOOM. One overlay in the layer control; the page stays the same size whatever the data."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var ramp = [[50, "red"], [10, "yellow"], [5, "lime"], [2, "cyan"], [1, "blue"]];
            function heatColour(n) {
                for (var i = 0; i < ramp.length; i++) if (n >= ramp[i][0]) return ramp[i][1];
                return "blue";
            }
            var common = {rendererFactory: L.svg.tile, interactive: false, maxNativeZoom: {{ this.max_zoom }}};
            var heat = L.vectorGrid.protobuf({{ this.heat_url|tojson }}, L.extend({
                maxZoom: {{ this.points_min_zoom - 1 }},
                vectorTileLayerStyles: {heat: function (p) {
                    return {radius: 6, fill: true, fillColor: heatColour(p.count), fillOpacity: 0.75,
                            stroke: true, color: "#333", weight: 1};
                }}
            }, common));
            var points = L.vectorGrid.protobuf({{ this.points_url|tojson }}, L.extend({
                minZoom: {{ this.points_min_zoom }},
                vectorTileLayerStyles: {points: function (p) {
                    return {radius: 5, fill: true, fillColor: p.direction === "strengthens" ? "#2166ac" : "#b2182b",
                            fillOpacity: 0.9, stroke: true, color: "#fff", weight: 1};
                }}
            }, common));
            var group = L.layerGroup([heat, points]);
            group.geoIndiHeat = true;
            return group;
        })();
        {% endmacro %}"""
    )

    def __init__(self, urls, *, name, points_min_zoom, max_zoom, show=False):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "ObjectTiles"
        self.heat_url = urls["heat"]
        self.points_url = urls["points"]
        self.points_min_zoom = points_min_zoom
        self.max_zoom = max_zoom


class OutlineLayer(Layer):
    """An overlay of outlined areas (e.g. hot spots) with its own legend line, shown while the overlay is on.

    Every text reaches the page as text: the tooltip and the legend are built with textContent from the
    features' `title` and `lines` properties, never as HTML (a phenomenon name is written by people)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function (map) {
            var style = {{ this.style|tojson }};
            function textDiv(className, title, lines) {
                var div = L.DomUtil.create("div", className);
                var head = L.DomUtil.create("strong", "", div);
                head.textContent = title;
                (lines || []).forEach(function (line) {
                    L.DomUtil.create("div", "", div).textContent = line;
                });
                return div;
            }
            var data = {{ this.data|tojson }};
            var casing = {{ this.casing|tojson }};
            var outline = L.geoJson(data, {style: function () { return style; }});
            // A light casing under the line keeps it visible over every class colour.
            var layer = casing ? L.featureGroup([L.geoJson(data, {style: function () { return casing; },
                                                                   interactive: false}), outline]) : outline;
            outline.bindTooltip(function (target) {
                var p = (target.feature && target.feature.properties) || {};
                return textDiv("outline-tooltip", p.title || "", p.lines);
            }, {sticky: true});
            var legend = L.control({position: "bottomright"});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "map-legend {{ this.legend_class }}");
                var row = L.DomUtil.create("p", "", div);
                var swatch = L.DomUtil.create("span", "swatch-outline", row);
                swatch.setAttribute("aria-hidden", "true");
                swatch.style.borderColor = style.color;
                if (casing) swatch.style.outline = "2px solid " + casing.color;
                L.DomUtil.create("span", "", row).textContent = {{ this.legend|tojson }};
                return div;
            };
            layer.on("add", function () { outline.bringToFront(); legend.addTo(map); });
            layer.on("remove", function () { legend.remove(); });
            return layer;
        })({{ this._parent.get_name() }});
        {% endmacro %}"""
    )

    def __init__(self, data, *, name, legend, style, casing=None, legend_class="outline-legend", show=True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "OutlineLayer"
        self.data = data
        self.casing = casing
        self.legend = str(legend)
        self.style = style
        self.legend_class = legend_class


def controls_last(m):
    """Move the layer control after every layer of the map.

    folium's LayerControl names the layers it holds at render time, in its place in the script: a layer added
    after it (as the hot spot outlines are, by a receiver of municipality_map_built) would be used before it
    is declared, and the rest of the script would not run."""
    controls = [child for child in m._children.values() if isinstance(child, folium.LayerControl)]
    for control in controls:
        del m._children[control.get_name()]
        m._children[control.get_name()] = control
    return m


class FitBounds(MacroElement):
    _template = Template(
        """{% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.fitBounds({{ this.bounds|tojson }});
        {% endmacro %}"""
    )

    def __init__(self, bounds):
        super().__init__()
        self.bounds = bounds


def value_label(value, k):
    return suppression.label(value, k)


def measure_label(row, measure, k):
    if row.suppressed:
        return suppression.HIDDEN
    if measure == "rate":
        return _("no population data") if row.rate is None else f"{row.rate:.2f} / 1000"
    return str(row.count)


def legend_html(data, measure, level_name):
    k = data.k
    title = unit_title(data.unit, measure)
    rows = format_html_join(
        "",
        '<li><span class="swatch" style="background:{}"></span>{}</li>',
        ((r["colour"], _range_label(r, measure)) for r in data.classification.legend()),
    )
    return format_html(
        '<p class="legend-title">{} · {}</p><ul>{}'
        '<li><span class="swatch swatch-suppressed"></span>{}</li>'
        '<li><span class="swatch" style="background:{}"></span>{}</li></ul>',
        title, level_name, rows,
        suppression.hidden_note(k),
        NO_DATA_COLOUR, _("no population data") if measure == "rate" else _("no classes"),
    )


def _range_label(row, measure):
    def fmt(v):
        if v is None:
            return "0"
        return f"{v:.2f}" if measure == "rate" and not float(v).is_integer() else f"{v:g}"

    if row["low"] is not None and row["low"] >= row["high"]:
        return fmt(row["high"])
    return f"{fmt(row['low'])}–{fmt(row['high'])}"


def popup_html(row, data, measure):
    """Popup with counts per phenomenon; every text escaped."""
    k = data.k
    lines = format_html_join(
        "",
        "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
        (
            (data.phenomena.get(pid, "?"), value_label(n, k))
            for pid, n in sorted(row.by_phenomenon.items(), key=lambda item: data.phenomena.get(item[0], ""))
        ),
    )
    rate = "" if row.rate is None else format_html("<p>{}: {}</p>", _("Per 1,000 inhabitants"), f"{row.rate:.2f}")
    table = ""
    if row.by_phenomenon:
        table = format_html(
            '<table class="popup-table"><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
            '</tr></thead><tbody>{}</tbody></table>',
            _("Phenomenon"), unit_title(data.unit), lines,
        )
    other = other_unit(data.unit)
    return format_html(
        "<h3>{} {}</h3><p>{}: <strong>{}</strong> ({}: {}, {}: {})</p><p>{}: {}</p>{}{}",
        row.code, row.name, unit_title(data.unit), value_label(row.count, k),
        _("weakens"), value_label(row.weakens, k), _("strengthens"), value_label(row.strengthens, k),
        unit_title(other), value_label(in_unit(row, other), k), rate, table,
    )


def _feature_collection(data, measure):
    features = []
    for row in data.areas:
        if row.suppressed:
            style = {"fillColor": "#f2f2f2", "color": "#444", "weight": 1, "fillOpacity": 0.85, "className": "area-suppressed"}
        elif row.class_index is None:
            style = {"fillColor": NO_DATA_COLOUR, "color": "#444", "weight": 1, "fillOpacity": 0.7, "className": "area-nodata"}
        else:
            style = {"fillColor": data.classification.colours[row.class_index], "color": "#444", "weight": 1,
                     "fillOpacity": 0.75, "className": f"area-class-{row.class_index}"}
        features.append({
            "type": "Feature",
            "geometry": row.geometry,
            "properties": {
                "code": row.code,
                "tooltip": str(escape(f"{row.code} {row.name}: {measure_label(row, measure, data.k)}")),
                "popup": str(popup_html(row, data, measure)),
                "style": style,
            },
        })
    return {"type": "FeatureCollection", "features": features}


def build_map(data, options, *, level_name, bounds=None, center=(67.0, 25.5), zoom=5, object_tiles=None):
    """The choropleth with its heat layers; object_tiles (TileLayers) draws object observations from vector tiles
    instead of embedding data.heat_points."""
    tiles_name = _("Background map")
    m = folium.Map(location=list(center), zoom_start=zoom, tiles=None, control_scale=True)
    m.default_js = []
    m.default_css = []
    folium.TileLayer(settings.MAP_TILE_URL, attr=settings.MAP_TILE_ATTRIBUTION, name=tiles_name).add_to(m)
    folium.GeoJson(
        _feature_collection(data, options.measure),
        name=_("Observations by area"),
        style_function=lambda feature: feature["properties"]["style"],
        highlight_function=lambda feature: {"weight": 3, "color": "#000"},
        on_each_feature=_ON_EACH_FEATURE,
    ).add_to(m)
    # Heatmaps start hidden: drawn over the choropleth their colours would mix with the classes.
    object_heat_name = _("Heatmap: places and things (exact points)")
    if object_tiles:
        ObjectTiles(object_tiles.urls, name=object_heat_name, points_min_zoom=object_tiles.points_min_zoom,
                    max_zoom=object_tiles.max_zoom).add_to(m)
    elif data.heat_points:
        heat = HeatMap(data.heat_points, name=object_heat_name, radius=18, blur=14,
                       min_opacity=0.4, show=False)
        heat.default_js = []
        heat.add_to(m)
    if data.person_heat_points:
        heat = HeatMap(data.person_heat_points, name=_("Heatmap: about people (at their postcode area)"), radius=30,
                       blur=20, min_opacity=0.3, show=False)
        heat.default_js = []
        heat.add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    m.add_child(Legend(legend_html(data, options.measure, level_name)))
    if data.has_heat or object_tiles:
        m.add_child(HeatLegend(heat_legend_html()))
    if bounds:
        m.add_child(FitBounds(bounds))
    return m


def _asset_links(with_heat, with_tiles=False):
    js = MAP_JS + (HEAT_JS if with_heat else []) + (TILES_JS if with_tiles else [])
    return js, MAP_CSS


@dataclass
class EmbeddedMap:
    assets: str  # <link>/<script> tags for the page head
    html: str  # the map's div
    js: str  # the script making the map; the page puts it in a <script> with its CSP nonce


def embedded_map(m, with_heat, with_tiles=False):
    """The map as parts of a page of ours, its scripts and styles from /static/."""
    controls_last(m)
    figure = m.get_root()
    figure.render()
    js, css = _asset_links(with_heat, with_tiles)
    assets = "".join(f'<link rel="stylesheet" href="{static(path)}">' for _n, path in css)
    assets += "".join(f'<script src="{static(path)}"></script>' for _n, path in js)
    return EmbeddedMap(
        assets=assets,
        html=HATCH_DEFS + figure.html.render(),
        js=figure.script.render(),
    )


def _inline_css(path):
    text = _read(path)

    def data_uri(match):
        target = finders.find(f"vendor/leaflet/{match.group(1)}")
        if not target:
            return "none"
        with open(target, "rb") as fh:
            return f"url(data:image/png;base64,{base64.b64encode(fh.read()).decode()})"

    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)  # comments (with their links) are not needed
    return re.sub(r"url\((images/[^)]+\.png)\)", data_uri, text)


def _read(path):
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(path)
    with open(found, encoding="utf-8") as fh:
        return fh.read()


def standalone_map(m, with_heat, title, nonce):
    """One HTML document with every script and style inlined; the scripts carry the response's CSP nonce."""
    controls_last(m)
    figure = m.get_root()
    figure.render()
    js, css = _asset_links(with_heat)
    styles = "".join(f"<style>{_inline_css(path)}</style>" for _n, path in css)
    script_tag = f'<script nonce="{escape(nonce)}">'
    scripts = "".join(f"{script_tag}{_read(path)}</script>" for _n, path in js)
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>{styles}{scripts}"
        "<style>html,body{height:100%;margin:0}.folium-map{position:absolute;inset:0}</style>"
        f"</head><body>{HATCH_DEFS}{figure.html.render()}{script_tag}{figure.script.render()}</script></body></html>"
    )


def _signed(n):
    return f"{n:+d}" if n else "0"


def change_label(row):
    return suppression.HIDDEN if row.suppressed else _signed(row.change)


def change_legend_html(comparison):
    rows = format_html_join(
        "", '<li><span class="swatch" style="background:{}"></span>{}</li>',
        ((colour, _signed(low) if low == high else f"{_signed(low)} … {_signed(high)}")
         for low, high, colour in comparison.breaks),
    )
    return format_html(
        '<p class="legend-title">{}: {} → {}</p><ul>{}<li><span class="swatch swatch-suppressed"></span>{}</li></ul>',
        _("Difference"), comparison.first.label, comparison.second.label, rows,
        _("%(hidden)s: not shown (a count of either period is hidden)") % {"hidden": suppression.HIDDEN},
    )


def _change_features(comparison):
    features = []
    for row in comparison.rows:
        if row.class_index is None:
            style = {"fillColor": "#f2f2f2", "color": "#444", "weight": 1, "fillOpacity": 0.85, "className": "area-suppressed"}
        else:
            style = {"fillColor": comparison.breaks[row.class_index][2], "color": "#444", "weight": 1,
                     "fillOpacity": 0.8, "className": f"change-class-{row.class_index}"}
        text = (f"{row.code} {row.name}: {suppression.label(row.first)} → {suppression.label(row.second)} "
                f"({change_label(row)})")
        features.append({
            "type": "Feature", "geometry": row.geometry,
            "properties": {"code": row.code, "tooltip": str(escape(text)),
                           "popup": str(format_html("<p>{}</p>", text)), "style": style},
        })
    return {"type": "FeatureCollection", "features": features}


def build_change_map(comparison, *, bounds=None):
    """A choropleth of the change between two periods (diverging classes around 0)."""
    m = folium.Map(location=[67.0, 25.5], zoom_start=5, tiles=None, control_scale=True)
    m.default_js = []
    m.default_css = []
    folium.TileLayer(settings.MAP_TILE_URL, attr=settings.MAP_TILE_ATTRIBUTION, name=_("Background map")).add_to(m)
    folium.GeoJson(
        _change_features(comparison), name=_("Change by postcode area"),
        style_function=lambda feature: feature["properties"]["style"],
        highlight_function=lambda feature: {"weight": 3, "color": "#000"},
        on_each_feature=_ON_EACH_FEATURE,
    ).add_to(m)
    m.add_child(Legend(change_legend_html(comparison)))
    if bounds:
        m.add_child(FitBounds(bounds))
    return m


def _svg_rings(geometry):
    if geometry["type"] == "Polygon":
        return geometry["coordinates"]
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def svg_choropleth(features, *, width=600, height=420, label=""):
    """An SVG map (no scripts, no tiles) of [(geometry, fill colour, title)] for print and PDF.

    Longitude is scaled by cos(mean latitude), which keeps a municipality's shape at this scale."""
    import math

    rings = [(ring, fill, title) for geometry, fill, title in features for ring in _svg_rings(geometry)]
    points = [pt for ring, _f, _t in rings for pt in ring]
    if not points:
        return ""
    lats = [p[1] for p in points]
    scale_x = math.cos(math.radians(sum(lats) / len(lats)))
    xs = [p[0] * scale_x for p in points]
    min_x, max_x, min_y, max_y = min(xs), max(xs), min(lats), max(lats)
    span = max(max_x - min_x, (max_y - min_y) * width / height) or 1
    factor = width / span

    def path(ring):
        return "M" + "L".join(f"{(x * scale_x - min_x) * factor:.1f},{(max_y - y) * factor:.1f}" for x, y, *_z in ring) + "Z"

    shapes = format_html_join(
        "", '<path d="{}" fill="{}" stroke="#444" stroke-width="0.8" fill-rule="evenodd"><title>{}</title></path>',
        ((path(ring), fill, title) for ring, fill, title in rings),
    )
    drawn_height = (max_y - min_y) * factor
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="svg-map" viewBox="0 0 {} {}" role="img" aria-label="{}">{}</svg>',
        width, f"{drawn_height:.0f}", label, shapes,
    )


def area_fill(row, data):
    if row.suppressed:
        return SUPPRESSED_FILL
    if row.class_index is None:
        return NO_DATA_COLOUR
    return data.classification.colours[row.class_index]


def axis_ticks(top: float, most: int = 6) -> list[int]:
    """Whole-number y-axis ticks from 0 with a round step (1, 2, 5 × 10^n): at least 3, at most `most`,
    the last one at or above `top`."""
    import math

    top = max(1, math.ceil(top))
    for exponent in range(0, 10):
        for base in (1, 2, 5):
            step = base * 10 ** exponent
            count = math.ceil(top / step)
            if count + 1 <= most:
                if count < 2 and step > 1:
                    continue
                return [i * step for i in range(max(count, 2) + 1)]
    return [0, top]


MONTH_LABEL_PX = 38  # the width one "%m/%y" label needs at font size 11, with a gap


def svg_trend(trend, *, width=600, height=240):
    """Bars per month (weakens, strengthens) as SVG for the PDF: a y-axis with round ticks and grid lines,
    month labels thinned so that they never overlap; hidden months draw no bar."""
    import math

    if not trend:
        return ""
    values = [v for row in trend for v in (row["weakens"], row["strengthens"]) if v is not None]
    ticks = axis_ticks(max(values or [1]))
    scale_top = ticks[-1]
    left, right, top_margin, bottom = 44, 8, 10, height - 30
    slot = (width - left - right) / len(trend)
    every = max(1, math.ceil(MONTH_LABEL_PX / slot))
    plot_height = bottom - top_margin
    shapes = []
    for tick in ticks:
        y = bottom - plot_height * tick / scale_top
        shapes.append(format_html('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#ccc" stroke-width="0.6"/>'
                                  '<text x="{}" y="{}" font-size="10" text-anchor="end">{}</text>',
                                  left, f"{y:.1f}", width - right, f"{y:.1f}", left - 4, f"{y + 3.5:.1f}", tick))
    for i, row in enumerate(trend):
        x = left + i * slot
        for j, (key, colour) in enumerate((("weakens", "#b2182b"), ("strengthens", "#2166ac"))):
            value = row[key]
            if value is None:
                continue
            h = plot_height * value / scale_top
            shapes.append(format_html('<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
                                      f"{x + 1 + j * slot / 2.2:.1f}", f"{bottom - h:.1f}", f"{slot / 2.4:.1f}",
                                      f"{h:.1f}", colour, f"{row['month']:%Y-%m}: {value}"))
        if i % every == 0:
            shapes.append(format_html('<text class="month" x="{}" y="{}" font-size="11" text-anchor="middle">{}</text>',
                                      f"{x + slot / 2:.1f}", bottom + 16, f"{row['month']:%m/%y}"))
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="svg-trend" viewBox="0 0 {} {}" role="img" aria-label="{}">'
        '{}<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#444"/><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#444"/>'
        '</svg>',
        width, height, _("Observations per month, weakening (red) and strengthening (blue) wellbeing"),
        format_html_join("", "{}", ((shape,) for shape in shapes)),
        left, bottom, width - right, bottom, left, top_margin, left, bottom,
    )
