"""Reads OGC API - Features collections with QGIS's own OAPIF provider, headless (run by Debian's
/usr/bin/python3, which has python3-qgis; the project's venv does not see it).

    python3 tests/qgis_read.py URL '[{"collection": "observations", "username": "u", "token": "t"}, ...]'

("as": the name of a layer in the output, when one collection is read twice.)

A layer with a username is read through a Basic authentication configuration stored in QGIS's own
authentication database (what a person sets up in QGIS: Settings > Options > Authentication), anonymous
otherwise. Prints one JSON object per layer: valid, fields {name: QVariant type name}, features
(the feature properties, in the order QGIS gives them).
"""
import faulthandler
import json
import os
import sys
import tempfile


def main(url: str, layers: list[dict]) -> None:
    faulthandler.enable()
    home = tempfile.mkdtemp(prefix="qgis-home-")
    os.environ.update({"QT_QPA_PLATFORM": "offscreen", "HOME": home, "QGIS_AUTH_DB_DIR_PATH": home,
                       "XDG_RUNTIME_DIR": home})
    from qgis.core import QgsApplication, QgsAuthMethodConfig, QgsDataSourceUri, QgsVectorLayer
    from qgis.PyQt.QtCore import QVariant

    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    auth = QgsApplication.authManager()
    auth.setMasterPassword("master-password-of-this-run", True)
    results = []
    for spec in layers:
        uri = QgsDataSourceUri()
        uri.setParam("url", url)
        uri.setParam("typename", spec["collection"])
        if spec.get("username"):
            config = QgsAuthMethodConfig("Basic")
            config.setName(f"geo_indi {spec['username']}")
            config.setConfig("username", spec["username"])
            config.setConfig("password", spec["token"])
            assert auth.storeAuthenticationConfig(config), "QGIS did not store the Basic configuration"
            uri.setAuthConfigId(config.id())
        print("reading", spec["collection"], file=sys.stderr, flush=True)
        layer = QgsVectorLayer(uri.uri(False), spec["collection"], "OAPIF")
        # (QgsMapLayer.error().summary() crashes QGIS 3.22 here: the provider's log says why instead.)
        result = {"collection": spec.get("as", spec["collection"]), "valid": layer.isValid()}
        if layer.isValid():
            result["fields"] = {f.name(): QVariant.typeToName(f.type()) for f in layer.fields()}
            result["features"] = [
                {name: _plain(feature[name]) for name in result["fields"]} for feature in layer.getFeatures()
            ]
        results.append(result)
    print(json.dumps(results), flush=True)
    # Leave without QGIS's teardown (exitQgis), which can crash a headless 3.22 after the work is done.
    os._exit(0)


def _plain(value):
    """A QGIS attribute as JSON: NULL as None, dates as ISO text."""
    if value is None or (hasattr(value, "isNull") and value.isNull()):
        return None
    if hasattr(value, "toString") and not isinstance(value, (int, float, str, bool)):
        return value.toString("yyyy-MM-dd")
    return value


if __name__ == "__main__":
    main(sys.argv[1], json.loads(sys.argv[2]))
