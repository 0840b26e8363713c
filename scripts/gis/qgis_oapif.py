"""QGIS's own OGC API – Features provider (the one behind "Add WFS / OGC
API Features layer") reading a running wangge: each collection named is
loaded and read whole, in WGS-84 and, for cells, in a CGCS2000 system too.

    /usr/bin/python3 scripts/gis/qgis_oapif.py http://127.0.0.1:18080/ogc cells outlets

Needs Debian's python3-qgis and qgis-providers (not installed by CI: the
test CI runs is GDAL's OAPIF driver, which QGIS also builds on)."""
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from qgis.core import QgsApplication, QgsVectorLayer  # noqa: E402

app = QgsApplication([], False)
app.initQgis()
base, names = sys.argv[1], sys.argv[2:]
failed = False
for name, srs in [(n, None) for n in names] + [("cells", "EPSG:4490")]:
    uri = f"url='{base}' typename='{name}' restrictToRequestBBOX='0' pagingEnabled='true'"
    if srs:
        uri += f" srsname='{srs}'"
    layer = QgsVectorLayer(uri, name, "OAPIF")
    if not layer.isValid():
        print(f"{name}: NOT READ by QGIS: {layer.error().summary()}")
        failed = True
        continue
    features = list(layer.getFeatures())
    first = features[0] if features else None
    print(f"{name} ({layer.crs().authid()}): {len(features)} features; fields "
          f"{[f.name() for f in layer.fields()][:5]}; first {first.attributes()[:3] if first else None}"
          f"{'; first point ' + first.geometry().vertexAt(0).asWkt() if first else ''}")
app.exitQgis()
sys.exit(1 if failed else 0)
