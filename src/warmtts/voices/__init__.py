"""Stage 3: voices — loaded ONNX acoustic models and vocoders, one object per voice."""
