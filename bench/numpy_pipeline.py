# The numpy pipeline the CLI competes with, on one .npy: np.load + the reference code (normalise,
# -p*log2(p+1e-12), sum, transpose) + nibabel save as .nii.gz. Prints "wall_seconds peak_rss_mib".
import sys, time, resource
t = time.perf_counter()
import numpy as np
import nibabel as nib
p = np.load(sys.argv[1])
q = p / p.sum(axis=0, keepdims=True)
h = -(q * np.log2(q + 1e-12)).sum(axis=0)
h = np.ascontiguousarray(h.transpose(2, 1, 0)).astype(np.float32)
nib.save(nib.Nifti1Image(h, np.eye(4)), sys.argv[2])
wall = time.perf_counter() - t
print(f"{wall:.3f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
