"""Trichoscopy image analysis: hairs found and measured in a field (detect, measure), the
field's overlays (image), calibration, the two-visit phototrichogram (pair), a detector a clinic
trains (model), annotations and scores (voc), and synthetic fields with known truth."""
