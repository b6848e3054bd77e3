"""Parts of the in-process `Mesh` facade, one per capability, so mesh.py stays readable."""
