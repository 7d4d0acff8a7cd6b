"""Writes small DICOM files derived from pydicom's test files, one per spec entry.

Used by the Orthanc adapter's integration tests (test/adapter/support/derive-dicom.ts).
Reads a JSON list of instance specs on stdin; each spec names the base file (CT, MR or
RTSTRUCT), the output path and the tags to set. Run with Debian's /usr/bin/python3, which
sees apt's python3-pydicom.
"""
import json
import sys

import pydicom
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

BASE = '/usr/lib/python3/dist-packages/pydicom/data/test_files/'
BASES = {'CT': 'CT_small.dcm', 'MR': 'MR_small.dcm', 'RTSTRUCT': 'rtstruct.dcm'}
REMOVE = ['PatientAge', 'PatientBirthDate', 'ClinicalTrialProtocolID', 'BodyPartExamined',
          'InstitutionName', 'StudyDescription', 'OtherPatientIDsSequence']

cache = {}


def load(kind):
    if kind not in cache:
        cache[kind] = pydicom.dcmread(BASE + BASES[kind], force=True)
    return cache[kind].copy()


for spec in json.load(sys.stdin):
    ds = load(spec['base'])
    for keyword in REMOVE:
        if keyword in ds:
            delattr(ds, keyword)
    for keyword, value in spec['tags'].items():
        if value is None:
            continue
        setattr(ds, keyword, value)
    if spec['base'] == 'RTSTRUCT' and spec.get('referencedSeries'):
        study = Dataset()
        study.ReferencedSOPClassUID = '1.2.840.10008.3.1.2.3.1'
        study.ReferencedSOPInstanceUID = spec['tags']['StudyInstanceUID']
        series = Dataset()
        series.SeriesInstanceUID = spec['referencedSeries']
        series.ContourImageSequence = Sequence([])
        study.RTReferencedSeriesSequence = Sequence([series])
        frame = ds.ReferencedFrameOfReferenceSequence[0]
        frame.RTReferencedStudySequence = Sequence([study])
    if not hasattr(ds, 'file_meta') or 'TransferSyntaxUID' not in ds.file_meta:
        ds.file_meta = pydicom.dataset.FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.is_little_endian = True
    ds.is_implicit_VR = ds.file_meta.TransferSyntaxUID == pydicom.uid.ImplicitVRLittleEndian
    ds.save_as(spec['path'], write_like_original=False)
print('ok')
