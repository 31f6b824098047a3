// Overview map: municipality outlines from our own data; tiles are optional.
(function () {
  var el = document.getElementById("map");
  if (!el) return;
  var map = L.map(el).setView([66.9, 26.0], 5);
  L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 18 }).addTo(map);
  fetch(el.dataset.outlines)
    .then(function (r) { return r.json(); })
    .then(function (fc) {
      var layer = L.geoJSON(fc, {
        style: { color: "#1d3557", weight: 2, fillColor: "#a8dadc", fillOpacity: 0.35 },
        onEachFeature: function (f, l) { var lang = document.documentElement.lang;
          var name = (lang === "sv" && f.properties.name_sv) || f.properties.name_fi;
          l.bindTooltip(name + " (" + f.properties.code + ")"); }
      }).addTo(map);
      if (fc.features.length) map.fitBounds(layer.getBounds());
      el.dataset.loaded = fc.features.length;
    });
})();
