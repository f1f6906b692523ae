#!/usr/bin/env python3
"""Build the sample site's content/ from the five seed documents.

Usage (from the repository root):

    python scripts/seeds_to_content.py ../shared/seeds content

Reads the seeds 000..004 (files named ``000_*.txt`` .. ``004_*.txt``) and
(re)writes, deterministically:

    content/papers/sun-publications.yaml   seed 000  Qianru Sun's publication list
    content/papers/ge-papers.yaml          seed 001  Shiming Ge's paper profile
    content/papers/cvpr2023.yaml           seed 002  CVPR 2023 table (slug | abstract | introduction)
    content/papers/daily-papers.yaml       seed 003  daily-papers listing (captured Nov 2025)
    content/papers/abstracts.yaml          seed 004  ten bare abstracts
    content/authors/qianru-sun.yaml        seed 000  (bio paragraph)
    content/authors/shiming-ge.yaml        seed 001  (profile header)
    content/venues.yaml, content/tags.yaml

Only the standard library and PyYAML are used. Every fact comes from a seed; the
few decisions a parser cannot make are in the explicit tables below, each with a
comment saying where it comes from. Nothing is invented: a field the seed does not
give is left out.
"""

from __future__ import annotations

import collections
import datetime
import re
import sys
import unicodedata
from pathlib import Path

import yaml

# --------------------------------------------------------------------------------------
# Schema (DESIGN.md section 2): the only fields this script may write.

PAPER_FIELDS = {
    "id", "title", "authors", "et_al", "author_count", "year", "date", "venue", "track",
    "type", "abstract", "introduction", "tags", "category", "links", "arxiv", "doi",
    "note", "selected", "citations", "upvotes", "organization",
}
AUTHOR_FIELDS = {
    "id", "name", "aliases", "affiliation", "position", "homepage", "email", "orcid",
    "scholar", "github", "photo", "bio", "papers", "citations", "h_index",
}
VENUE_FIELDS = {"id", "short", "name", "aliases", "type", "url"}

EXPECTED_COUNTS = {"000": 48, "001": 50, "002": 100, "003": 76, "004": 10}
EXPECTED_TOTAL = 283  # 284 listed, less the one paper in both 000 and 003

MONTHS = {m: i for i, m in enumerate(
    "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)}

# --------------------------------------------------------------------------------------
# Venues. Series-level facts (official full name, type) are general knowledge about the
# venue, not about any paper; no URL is given by any seed, so none is written. The
# aliases are computed from the forms the seeds use (see venue_aliases()).

VENUES = {
    # id: (short, official full name, type)
    "aaai": ("AAAI", "AAAI Conference on Artificial Intelligence", "conference"),
    "acl": ("ACL", "Annual Meeting of the Association for Computational Linguistics",
            "conference"),
    "acm-mm": ("ACM MM", "ACM International Conference on Multimedia", "conference"),
    "arxiv": ("arXiv", "arXiv", "preprint"),
    "cvpr": ("CVPR", "IEEE/CVF Conference on Computer Vision and Pattern Recognition",
             "conference"),
    "eccv": ("ECCV", "European Conference on Computer Vision", "conference"),
    "emnlp": ("EMNLP", "Conference on Empirical Methods in Natural Language Processing",
              "conference"),
    "iccv": ("ICCV", "IEEE/CVF International Conference on Computer Vision", "conference"),
    "iclr": ("ICLR", "International Conference on Learning Representations", "conference"),
    "neurips": ("NeurIPS", "Conference on Neural Information Processing Systems",
                "conference"),
    "wacv": ("WACV", "IEEE/CVF Winter Conference on Applications of Computer Vision",
             "conference"),
}

# Seed 000 writes "<full name>, <SHORT> 'YY"; the short form decides the series.
# NIPS'17 is the same series as NeurIPS (renamed in 2018).
SHORT_TO_VENUE = {
    "NeurIPS": "neurips", "NIPS": "neurips", "CVPR": "cvpr", "ICCV": "iccv",
    "ECCV": "eccv", "ICLR": "iclr", "AAAI": "aaai", "ACL": "acl", "EMNLP": "emnlp",
    "ACM MM": "acm-mm", "WACV": "wacv",
}

# arXiv subject classes (official archive names, arxiv.org/category_taxonomy) for the
# two-letter codes of seed 001. Only CV, LG and HC occur; the others are here so a
# re-run on a longer profile fails loudly only for a truly unknown code.
ARXIV_CATEGORIES = {
    "CV": ("cs.CV", "Computer Vision and Pattern Recognition"),
    "LG": ("cs.LG", "Machine Learning"),
    "HC": ("cs.HC", "Human-Computer Interaction"),
    "CL": ("cs.CL", "Computation and Language"),
    "AI": ("cs.AI", "Artificial Intelligence"),
    "MM": ("cs.MM", "Multimedia"),
    "CR": ("cs.CR", "Cryptography and Security"),
    "RO": ("cs.RO", "Robotics"),
    "IR": ("cs.IR", "Information Retrieval"),
    "SD": ("cs.SD", "Sound"),
    "GR": ("cs.GR", "Graphics"),
    "NE": ("cs.NE", "Neural and Evolutionary Computing"),
    "IV": ("eess.IV", "Image and Video Processing"),
    "AS": ("eess.AS", "Audio and Speech Processing"),
    "SP": ("eess.SP", "Signal Processing"),
}

DAILY_TAG = "daily papers"

# --------------------------------------------------------------------------------------
# Hand-made decisions.

# Seed 002: the slug is Surname_Title_Words_CVPR_2023 and the surname is normally one
# token. Here it is two: "Luigi DrapeNet ..." cannot be a title, and the text names the
# method "DrapeNet" ("In this work, we introduce DrapeNet"), so the surname is "De Luigi".
SURNAMES_002 = {
    "De_Luigi_DrapeNet_Garment_Generation_and_Self-Supervised_Draping_CVPR_2023": "De Luigi",
}

# Seed 002: titles improved where the row's own abstract/introduction shows the spelling.
# check_title_002() asserts each keeps exactly the slug's words (nothing added or
# dropped; only punctuation, "&" for "__" and "°" for "deg"). A colon is added after a
# leading name only where the text uses that name for the paper's method/dataset. Titles
# the slug cut short stay cut short; with no evidence in the text the slug wording stays
# (e.g. "Dont Lie to Me ...", "CoWs on Pasture ...", "MACARONS ...", "Align Your Latents ...").
TITLES_002 = {
    # "propose a Decouple a NdFeedback framework, abbre-viated as DNF"
    "Jin_DNF_Decouple_and_Feedback_Network_for_Seeing_in_the_Dark_CVPR_2023":
        "DNF: Decouple and Feedback Network for Seeing in the Dark",
    # "proposes Transformer-based Layout Diffu-sion Model (LayoutDM)"
    "Chai_LayoutDM_Transformer-Based_Diffusion_Model_for_Layout_Generation_CVPR_2023":
        "LayoutDM: Transformer-Based Diffusion Model for Layout Generation",
    # "we propose HandNeRF , a novel framework"
    "Guo_HandNeRF_Neural_Radiance_Fields_for_Animatable_Interacting_Hands_CVPR_2023":
        "HandNeRF: Neural Radiance Fields for Animatable Interacting Hands",
    # "We present SLOPER4D, a novel scene-aware dataset"
    "Dai_SLOPER4D_A_Scene-Aware_Dataset_for_Global_4D_Human_Pose_Estimation_CVPR_2023":
        "SLOPER4D: A Scene-Aware Dataset for Global 4D Human Pose Estimation",
    # "we propose, RankMix, a data augmentation method" (slug cut short by the source)
    "Chen_RankMix_Data_Augmentation_for_Weakly_Supervised_Learning_of_Classifying_Whole_CVPR_2023":
        "RankMix: Data Augmentation for Weakly Supervised Learning of Classifying Whole",
    # "We compare our proposed a[pproach] ... DKM" / repository github.com/Parskatt/DKM
    "Edstedt_DKM_Dense_Kernelized_Feature_Matching_for_Geometry_Estimation_CVPR_2023":
        "DKM: Dense Kernelized Feature Matching for Geometry Estimation",
    # "a novel model architecture named SVGformer"
    "Cao_SVGformer_Representation_Learning_for_Continuous_Vector_Graphics_Using_Transformers_CVPR_2023":
        "SVGformer: Representation Learning for Continuous Vector Graphics Using Transformers",
    # "We release the O MNI3D benchmark" (small capitals in the PDF)
    "Brazil_Omni3D_A_Large_Benchmark_and_Model_for_3D_Object_Detection_CVPR_2023":
        "Omni3D: A Large Benchmark and Model for 3D Object Detection",
    # "propose a novel method, called the OT-Filter"
    "Feng_OT-Filter_An_Optimal_Transport_Filter_for_Learning_With_Noisy_Labels_CVPR_2023":
        "OT-Filter: An Optimal Transport Filter for Learning With Noisy Labels",
    # "we propose a Region-Wise Style-Controlled Fusion (RWSC-Fusion) network" (cut short)
    "Duan_RWSC-Fusion_Region-Wise_Style-Controlled_Fusion_Network_for_the_Prohibited_X-Ray_Security_CVPR_2023":
        "RWSC-Fusion: Region-Wise Style-Controlled Fusion Network for the Prohibited X-Ray Security",
    # "We then introduce Clover —a Corre-lated Video-Language pre-training method"
    "Huang_Clover_Towards_a_Unified_Video-Language_Alignment_and_Fusion_Model_CVPR_2023":
        "Clover: Towards a Unified Video-Language Alignment and Fusion Model",
    # "framework to build A2J-Transformer"
    "Jiang_A2J-Transformer_Anchor-to-Joint_Transformer_Network_for_3D_Interacting_Hand_Pose_Estimation_CVPR_2023":
        "A2J-Transformer: Anchor-to-Joint Transformer Network for 3D Interacting Hand Pose Estimation",
    # "we propose MixPHM , a redundancy-aware parameter-efficient tuning method"
    "Jiang_MixPHM_Redundancy-Aware_Parameter-Efficient_Tuning_for_Low-Resource_Visual_Question_Answering_CVPR_2023":
        "MixPHM: Redundancy-Aware Parameter-Efficient Tuning for Low-Resource Visual Question Answering",
    # "to produce a novel algorithm, SemiCVT"
    "Huang_SemiCVT_Semi-Supervised_Convolutional_Vision_Transformer_for_Semantic_Segmentation_CVPR_2023":
        "SemiCVT: Semi-Supervised Convolutional Vision Transformer for Semantic Segmentation",
    # "We present DejaVu, a novel framework"
    "Borse_DejaVu_Conditional_Regenerative_Learning_To_Enhance_Dense_Prediction_CVPR_2023":
        "DejaVu: Conditional Regenerative Learning To Enhance Dense Prediction",
    # "an asymmetric adaptation paradigm, namely AsyFOD" (cut short)
    "Gao_AsyFOD_An_Asymmetric_Adaptation_Paradigm_for_Few-Shot_Domain_Adaptive_Object_CVPR_2023":
        "AsyFOD: An Asymmetric Adaptation Paradigm for Few-Shot Domain Adaptive Object",
    # "Uncertainty-Aware vision-language Pre-training model, called MAP"
    "Ji_MAP_Multimodal_Uncertainty-Aware_Vision-Language_Pre-Training_Model_CVPR_2023":
        "MAP: Multimodal Uncertainty-Aware Vision-Language Pre-Training Model",
    # "We present Galactic, a large-scale simulation and reinforcement-learning (RL) framework"
    "Berges_Galactic_Scaling_End-to-End_Reinforcement_Learning_for_Rearrangement_at_100k_Steps-per-Second_CVPR_2023":
        "Galactic: Scaling End-to-End Reinforcement Learning for Rearrangement at 100k Steps-per-Second",
    # "identity-preserving semantic bases of StyleGAN (called StyleIPSB)" (cut short)
    "Jiang_StyleIPSB_Identity-Preserving_Semantic_Basis_of_StyleGAN_for_High_Fidelity_Face_CVPR_2023":
        "StyleIPSB: Identity-Preserving Semantic Basis of StyleGAN for High Fidelity Face",
    # "a novel model-agnostic meta Style Adversarial training (StyleAdv) method"
    "Fu_StyleAdv_Meta_Style_Adversarial_Training_for_Cross-Domain_Few-Shot_Learning_CVPR_2023":
        "StyleAdv: Meta Style Adversarial Training for Cross-Domain Few-Shot Learning",
    # "we proposed CP3, which is a Channel Pruning Plug-in for Point-based network"
    "Huang_CP3_Channel_Pruning_Plug-In_for_Point-Based_Networks_CVPR_2023":
        "CP3: Channel Pruning Plug-In for Point-Based Networks",
    # "Our conditional diffusion model, InstructPix2Pix"
    "Brooks_InstructPix2Pix_Learning_To_Follow_Image_Editing_Instructions_CVPR_2023":
        "InstructPix2Pix: Learning To Follow Image Editing Instructions",
    # "a portable network, called ReDirTrans"
    "Jin_ReDirTrans_Latent-to-Latent_Translation_for_Gaze_and_Head_Redirection_CVPR_2023":
        "ReDirTrans: Latent-to-Latent Translation for Gaze and Head Redirection",
    # "our method, called HOOD"
    "Grigorev_HOOD_Hierarchical_Graphs_for_Generalized_Modelling_of_Clothing_Dynamics_CVPR_2023":
        "HOOD: Hierarchical Graphs for Generalized Modelling of Clothing Dynamics",
    # "we present HyperReel , a novel 6-DoF video representation"
    "Attal_HyperReel_High-Fidelity_6-DoF_Video_With_Ray-Conditioned_Sampling_CVPR_2023":
        "HyperReel: High-Fidelity 6-DoF Video With Ray-Conditioned Sampling",
    # "contrastive learn-ing (MaskCon )"
    "Feng_MaskCon_Masked_Contrastive_Learning_for_Coarse-Labelled_Dataset_CVPR_2023":
        "MaskCon: Masked Contrastive Learning for Coarse-Labelled Dataset",
    # "we propose window-based CLIP (WinCLIP)"; "language aids zero-/few-shot anomaly
    # classification/segmentation" (the slug drops the slash)
    "Jeong_WinCLIP_Zero-Few-Shot_Anomaly_Classification_and_Segmentation_CVPR_2023":
        "WinCLIP: Zero-/Few-Shot Anomaly Classification and Segmentation",
    # "we propose ICE (Adversarial Normalization: I Can visualize Everything)"
    "Choi_Adversarial_Normalization_I_Can_Visualize_Everything_ICE_CVPR_2023":
        "Adversarial Normalization: I Can Visualize Everything (ICE)",
    # "named DINN360, for latitude-aware 360◦im-age rescaling" (slug writes 360deg)
    "Guo_DINN360_Deformable_Invertible_Neural_Network_for_Latitude-Aware_360deg_Image_Rescaling_CVPR_2023":
        "DINN360: Deformable Invertible Neural Network for Latitude-Aware 360° Image Rescaling",
    # "Finetune Like You Pretrain (FLYP )" names the method
    "Goyal_Finetune_Like_You_Pretrain_Improved_Finetuning_of_Zero-Shot_Vision_Models_CVPR_2023":
        "Finetune Like You Pretrain: Improved Finetuning of Zero-Shot Vision Models",
    # "the first significant object detection framework, NeRF-RPN"
    "Hu_NeRF-RPN_A_General_Framework_for_Object_Detection_in_NeRFs_CVPR_2023":
        "NeRF-RPN: A General Framework for Object Detection in NeRFs",
    # "With our proposed design, PiMAE learns ..." (cut short)
    "Chen_PiMAE_Point_Cloud_and_Image_Interactive_Masked_Autoencoders_for_3D_CVPR_2023":
        "PiMAE: Point Cloud and Image Interactive Masked Autoencoders for 3D",
    # "show that our Anchor3DLane outperforms" (cut short)
    "Huang_Anchor3DLane_Learning_To_Regress_3D_Anchors_for_Monocular_3D_Lane_CVPR_2023":
        "Anchor3DLane: Learning To Regress 3D Anchors for Monocular 3D Lane",
    # "Robust Mar-gin Loss for Visual Question Answering (RMLVQA)" (cut short)
    "Basu_RMLVQA_A_Margin_Loss_Approach_for_Visual_Question_Answering_With_CVPR_2023":
        "RMLVQA: A Margin Loss Approach for Visual Question Answering With",
    # "we propose ViP3D, a query-based visual trajectory prediction pipeline"
    "Gu_ViP3D_End-to-End_Visual_Trajectory_Prediction_via_3D_Agent_Queries_CVPR_2023":
        "ViP3D: End-to-End Visual Trajectory Prediction via 3D Agent Queries",
    # "Contextual Descriptors via Agent-based Transformers (D2Former)" (cut short)
    "He_D2Former_Jointly_Learning_Hierarchical_Detectors_and_Contextual_Descriptors_via_Agent-Based_CVPR_2023":
        "D2Former: Jointly Learning Hierarchical Detectors and Contextual Descriptors via Agent-Based",
    # "a novel diffusion architecture – Avatars Grow Legs (AGRoL)"
    "Du_Avatars_Grow_Legs_Generating_Smooth_Human_Motion_From_Sparse_Tracking_CVPR_2023":
        "Avatars Grow Legs: Generating Smooth Human Motion From Sparse Tracking",
    # "we introduce MobileNeRF, a NeRF that ..." (cut short)
    "Chen_MobileNeRF_Exploiting_the_Polygon_Rasterization_Pipeline_for_Efficient_Neural_Field_CVPR_2023":
        "MobileNeRF: Exploiting the Polygon Rasterization Pipeline for Efficient Neural Field",
    # "we propose BUFFER, a point cloud registration method for balancing acc uracy,
    # efficiency, and gen eralizability" (the commas)
    "Ao_BUFFER_Balancing_Accuracy_Efficiency_and_Generalizability_in_Point_Cloud_Registration_CVPR_2023":
        "BUFFER: Balancing Accuracy, Efficiency, and Generalizability in Point Cloud Registration",
    # "In this work, we introduce DrapeNet" (surname: see SURNAMES_002)
    "De_Luigi_DrapeNet_Garment_Generation_and_Self-Supervised_Draping_CVPR_2023":
        "DrapeNet: Garment Generation and Self-Supervised Draping",
    # "we propose a new method named FFF"
    "Chen_FFF_Fragment-Guided_Flexible_Fitting_for_Building_Complete_Protein_Structures_CVPR_2023":
        "FFF: Fragment-Guided Flexible Fitting for Building Complete Protein Structures",
    # "we present AligNeRF, analignment-aware training strategy"
    "Jiang_AligNeRF_High-Fidelity_Neural_Radiance_Fields_via_Alignment-Aware_Training_CVPR_2023":
        "AligNeRF: High-Fidelity Neural Radiance Fields via Alignment-Aware Training",
    # "the collective notion of Structured Vision & Language Concepts (SVLC)"; "Recent
    # Vision & Language (VL) models" (the slug's "__" is the dropped "&"; cut short)
    "Doveh_Teaching_Structured_Vision__Language_Concepts_to_Vision__Language_CVPR_2023":
        "Teaching Structured Vision & Language Concepts to Vision & Language",
    # "we present Accelerated Coordi-nate Encoding (ACE)" (cut short)
    "Brachmann_Accelerated_Coordinate_Encoding_Learning_to_Relocalize_in_Minutes_Using_RGB_CVPR_2023":
        "Accelerated Coordinate Encoding: Learning to Relocalize in Minutes Using RGB",
    # "Our method gSDF (middle) first predicts 3D hand joints"
    "Chen_gSDF_Geometry-Driven_Signed_Distance_Functions_for_3D_Hand-Object_Reconstruction_CVPR_2023":
        "gSDF: Geometry-Driven Signed Distance Functions for 3D Hand-Object Reconstruction",
}

# Seed 002: in 12 rows the abstract cell runs on past the "1. Introduction" heading and
# the introduction cell starts mid-text. The two cells are joined back before splitting
# at the heading; the table says whether the cell boundary fell between words (" ") or
# inside a word (""), read off the boundary shown in each comment.
CELL_JOINS_002 = {
    "Guo_HandNeRF_Neural_Radiance_Fields_for_Animatable_Interacting_Hands_CVPR_2023":
        " ",  # "two sets of samples | are then produced"
    "Corona_Structured_3D_Features_for_Reconstructing_Controllable_Avatars_CVPR_2023":
        " ",  # "the pro-cedure | to obtain signed distance"
    "Brazil_Omni3D_A_Large_Benchmark_and_Model_for_3D_Object_Detection_CVPR_2023":
        "",  # "The O MNI3D Be | nchmark"
    "Guedon_MACARONS_Mapping_and_Coverage_Anticipation_With_RGB_Online_Self-Supervision_CVPR_2023":
        " ",  # "communicate together: | 1. Our first module"
    "Huang_CP3_Channel_Pruning_Plug-In_for_Point-Based_Networks_CVPR_2023":
        "",  # "Mainstream chan | nel pruning"
    "Brooks_InstructPix2Pix_Learning_To_Follow_Image_Editing_Instructions_CVPR_2023":
        "",  # "(b) We then u | se StableDiffusion"
    "Grigorev_HOOD_Hierarchical_Graphs_for_Generalized_Modelling_of_Clothing_Dynamics_CVPR_2023":
        "",  # "includ-ing learned p | ooling [17]"
    "Futschik_Controllable_Light_Diffusion_for_Portraits_CVPR_2023":
        "",  # "and th | e resulting Gini coefficient"
    "Du_Avatars_Grow_Legs_Generating_Smooth_Human_Motion_From_Sparse_Tracking_CVPR_2023":
        " ",  # "p1:N= {pi}N i=1∈RN×Cand | aim to predict"
    "De_Luigi_DrapeNet_Garment_Generation_and_Self-Supervised_Draping_CVPR_2023":
        "",  # "in a fully se | lf-supervised manner"
    "Brachmann_Accelerated_Coordinate_Encoding_Learning_to_Relocalize_in_Minutes_Using_RGB_CVPR_2023":
        "",  # "SCoRF pa-per [53] re | ported to train"
    "Gunawan_Modernizing_Old_Photos_Using_Multiple_References_via_Photorealistic_Style_Transfer_CVPR_2023":
        "",  # "modernization, synthes | izing the missing col-ors"
}

# Seed 004 gives no titles. Each title is the name the abstract gives its method, taken
# verbatim from that abstract (check_titles_004() asserts the words are there).
TITLES_004 = [
    # "we propose a novel SAM-based method for prompt learning, denoted as Gradient
    # Constrained Sharpness-aware Context Optimization (GCSCoOp)"
    "Gradient Constrained Sharpness-aware Context Optimization (GCSCoOp)",
    # "propose a novel face privacy protection method based on diffusion models, dubbed
    # Diff-Privacy"
    "Diff-Privacy",
    # "we propose a novel Human-Inspired Dynamic Adaptation (HIDA) method"
    "Human-Inspired Dynamic Adaptation (HIDA)",
    # "we propose a novel Attention Consistency Refined masked frequency forgery
    # representation model toward generalizing face forgery detection algorithm (ACMF)"
    "Attention Consistency Refined masked frequency forgery representation model toward "
    "generalizing face forgery detection algorithm (ACMF)",
    # "We name it PRO-Face S, short for Privacy-preserving Reversible Obfuscation of Face
    # images via Secure flow-based model" (name and its expansion, both verbatim)
    "PRO-Face S: Privacy-preserving Reversible Obfuscation of Face images via Secure "
    "flow-based model",
    # "we propose Multi-Collaboration and Multi-Supervision Network (MMNet)"
    "Multi-Collaboration and Multi-Supervision Network (MMNet)",
    # "We then propose a modified Transformer-based universal neural network
    # representation learning model NAR-Former V2"
    "NAR-Former V2",
    # "we design a Many-to-many Bilateral Cross-Modality Cluster Matching (MBCCM)
    # algorithm" (the method the abstract names)
    "Many-to-many Bilateral Cross-Modality Cluster Matching (MBCCM)",
    # "we propose a Dual Optimal Transport Label Assignment (DOTLA) framework"
    "Dual Optimal Transport Label Assignment (DOTLA)",
    # "we present an effective ``Adapt and Align'' approach"
    "Adapt and Align",
]
NOTE_004 = "Title not given in the source"

# Author spellings are kept exactly as the seeds print them. Two look like slips in the
# source, reported rather than changed: seed 000 has "Zicheng Tian" on the debLoRA paper
# but "Zichen Tian" (same co-authors) on the SAR paper; seed 001 has "Kexin Baoa" (the
# PKI paper) where its other papers have "Kexin Bao". To merge them, add a profile with
# `aliases`, or list {printed name: corrected name} here.
AUTHOR_NAME_FIXES: dict[str, str] = {}

# --------------------------------------------------------------------------------------
# Small helpers.

_STOP_TAIL = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or",
              "the", "to", "via", "with"}


def slugify(text: str, max_len: int = 60) -> str:
    """A readable id from a title: ASCII, lowercase, hyphens, cut after a whole title
    word (never inside "Self-Distillation"), trailing little words dropped."""
    text = text.replace("&", " and ")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    out: list[str] = []
    for word in text.split():
        parts = [w for w in re.split(r"[^a-z0-9]+", word) if w]
        if not parts:
            continue
        if out and len("-".join(out + parts)) > max_len:
            break
        out.extend(parts)
    while len(out) > 3 and out[-1] in _STOP_TAIL:
        out.pop()
    slug = "-".join(out)[:max_len].strip("-")
    assert re.fullmatch(r"[a-z0-9][a-z0-9._-]*", slug), (text, slug)
    return slug


class IdRegistry:
    """Hands out unique ids in processing order (deterministic)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def new(self, title: str) -> str:
        base = slugify(title)
        pid, n = base, 2
        while pid in self.used:
            pid, n = f"{base}-{n}", n + 1
        self.used.add(pid)
        return pid


def fix_name(name: str) -> str:
    return AUTHOR_NAME_FIXES.get(name, name)


def split_authors(text: str) -> tuple[list[str], bool]:
    """'A, B and C' / 'A, B, and C' -> [A, B, C]. An empty slot (', ,') marks names the
    source left out: it is dropped and reported as a partial list."""
    parts = [p.strip() for p in text.split(",")]
    names, gap = [], False
    for p in parts:
        p = re.sub(r"^and\s+", "", p)
        sub = [s.strip() for s in re.split(r"\s+and\s+", p)] if p else [""]
        for s in sub:
            if s:
                names.append(fix_name(s))
            else:
                gap = True
    return names, gap


def parse_month_day(text: str) -> tuple[int, int, int | None, int | None]:
    """'Apr 22, 2022' / 'Sep 2 2' / 'Jan 15, 2024 8' -> (month, day, year?, number?)."""
    m = re.fullmatch(r"([A-Z][a-z]{2}) (\d{1,2})(?:, (\d{4}))?(?: (\d+))?", text)
    assert m and m.group(1) in MONTHS, text
    year = int(m.group(3)) if m.group(3) else None
    num = int(m.group(4)) if m.group(4) else None
    return MONTHS[m.group(1)], int(m.group(2)), year, num


def read_seed(seeds: Path, prefix: str) -> tuple[str, str]:
    files = sorted(seeds.glob(f"{prefix}_*.txt"))
    assert len(files) == 1, f"expected one {prefix}_*.txt in {seeds}, found {files}"
    return files[0].name, files[0].read_text(encoding="utf-8")


def norm_title(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


# --------------------------------------------------------------------------------------
# Seed 000: Qianru Sun's publication list.

_VENUE_START = (r"(?:The |Thirty-\w+ |\d{4} |Conference |Neural |International |European "
                r"|Association )")
_HEAD_000 = re.compile(
    r"^(?P<body>.+?) (?P<vfull>" + _VENUE_START + r"[^,]*?), (?P<short>NeurIPS|NIPS|CVPR|"
    r"ICCV|ECCV|ICLR|AAAI|ACL|EMNLP|ACM MM|WACV) ?'(?P<yy>\d\d)"
    r"(?: \((?P<track>[^)]*)\))?\.(?P<rest>.*)$")
_HEAD_000_ARXIV = re.compile(
    r"^(?P<body>.+?) ArXiv (?P<arxiv>\d{4}\.\d{4,5}), (?P<year>\d{4})\.(?P<rest>.*)$")
_LABELS = re.compile(r"^(?:\s*\[[^\]]*\])+")


def split_title_authors(body: str) -> tuple[str, str]:
    """'Title Words First Author, B, C' -> (title, authors). The first author is the two
    words before the first comma (or before ' and ' in a two-author list); every first
    author in seed 000 is a two-word name."""
    cut = body.find(",")
    if cut < 0:
        cut = body.rfind(" and ")
    head = body[:cut].split(" ")
    return " ".join(head[:-2]), " ".join(head[-2:]) + body[cut:]


def parse_000(text: str):
    lines = text.split("\n")
    bio = lines[0].strip()
    papers, venue_forms = [], collections.defaultdict(set)
    cur = None
    for line in lines[1:]:
        line = line.strip()
        if not line or line == "|":
            continue
        m = _HEAD_000.match(line)
        ma = None if m else _HEAD_000_ARXIV.match(line)
        if not (m or ma):
            assert cur is not None, line[:80]
            cur["_abstract"].append(line)
            continue
        mm = m or ma
        title, authors_text = split_title_authors(mm.group("body"))
        authors, gap = split_authors(authors_text)
        cur = {"title": title, "authors": authors}
        if gap:
            cur["et_al"] = True
        if m:
            vid = SHORT_TO_VENUE[m.group("short")]
            venue_forms[vid].add(m.group("vfull"))
            venue_forms[vid].add(m.group("short"))
            cur["year"] = 2000 + int(m.group("yy"))
            cur["venue"] = vid
            if m.group("track"):
                cur["track"] = m.group("track")
        else:
            venue_forms["arxiv"].add("ArXiv")
            cur["year"] = int(ma.group("year"))
            cur["venue"] = "arxiv"
            cur["arxiv"] = ma.group("arxiv")
        rest = mm.group("rest").strip()
        lab = re.search(r"\[", rest)
        note = rest[:lab.start()].strip() if lab else rest
        after = _LABELS.sub("", rest[lab.start():]).strip() if lab else ""
        if note:
            note = note[1:-1] if note.startswith("(") and note.endswith(")") else note
            if note.endswith("Track"):
                cur["track"] = note
            else:
                cur["note"] = note
        cur["_abstract"] = [after] if after else []
        papers.append(cur)
    for p in papers:
        abstract = " ".join(p.pop("_abstract")).strip()
        abstract = re.sub(r"\s*\|$", "", abstract).strip()
        if abstract:
            p["abstract"] = plain_to_markdown(abstract)
    return bio, papers, venue_forms


# --------------------------------------------------------------------------------------
# Seed 001: Shiming Ge's profile.

_META_001 = re.compile(r"^(?P<cat>[A-Z]{2})(?P<date>[A-Z][a-z]{2} \d{1,2}(?:, \d{4})?)"
                       r"(?P<code>Code)?$")


def parse_001(text: str):
    blocks = [b.strip() for b in text.split("\n\n") if b.strip()]
    name = blocks[0]
    stats = blocks[1].split("\n")
    h_index = int(re.fullmatch(r"h-index(\d+)", stats[1]).group(1))
    citations = int(re.fullmatch(r"([\d,]+)citations", stats[3]).group(1).replace(",", ""))
    announced = int(re.fullmatch(r"(\d+) Papers", blocks[2]).group(1))
    # Not in the schema, so left out (each file's header says so): the subject printed
    # under the name, the source site's own scores, and the "Code" mark, which gives no
    # address to link.
    assert re.fullmatch(r"[A-Z]{2}", stats[0]) and stats[2] == f"{announced}papers", stats
    novelty = re.fullmatch(r"Novelty(\d+%)", stats[4]).group(1)
    ai_score = re.fullmatch(r"AI Score(\d+)", stats[5]).group(1)
    papers, undated, coded = [], [], 0
    body = blocks[3:]
    assert len(body) % 3 == 0, len(body)
    for i in range(0, len(body), 3):
        meta_title, author_line, abstract = body[i:i + 3]
        meta, title = meta_title.split("\n")
        m = _META_001.match(meta)
        assert m, meta
        coded += m.group("code") is not None
        code, cat_name = ARXIV_CATEGORIES[m.group("cat")]
        org = None
        if " · " in author_line:
            author_line, org = author_line.split(" · ")
        et_al = author_line.endswith(" et al.")
        authors, gap = split_authors(author_line[:-len(" et al.")] if et_al else author_line)
        assert not gap, author_line
        p = {"title": title.strip(), "authors": authors}
        if et_al:
            p["et_al"] = True
        month, day, year, num = parse_month_day(m.group("date"))
        assert num is None
        if year is not None:
            p["date"] = datetime.date(year, month, day)
        else:
            # "Jan 13" with no year: the capture date of the profile is not given, and
            # the page shows "Nov 1, 2025" and "Dec 8, 2025" with their year, so the year
            # cannot be read off; the date is left out rather than guessed.
            undated.append(title.strip())
        p["category"] = code
        p["tags"] = [cat_name]
        if org:
            p["organization"] = org.strip()
        p["abstract"] = plain_to_markdown(abstract.strip())
        papers.append(p)
    profile = {"name": name, "h_index": h_index, "citations": citations}
    left_out = (f"Left out: the subject under the name ({stats[0]}), the source site's own "
                f"scores (Novelty {novelty},\nAI Score {ai_score}), the 'Code' mark of "
                f"{coded} papers (no address to link) and the year of\n{len(undated)} dates "
                "printed without one (not guessed).")
    return profile, papers, announced, undated, left_out


# --------------------------------------------------------------------------------------
# Seed 002: CVPR 2023 table "slug | abstract | introduction |".

def _word_counts(corpus: str) -> tuple[collections.Counter, collections.Counter]:
    """Counts of bare words and of single-hyphen words, lowercased, in all seeds."""
    bare = collections.Counter(w.lower() for w in re.findall(
        r"(?<![A-Za-z-])[A-Za-z]+(?![A-Za-z-])", corpus))
    hyph = collections.Counter(w.lower() for w in re.findall(
        r"(?<![A-Za-z-])[A-Za-z]+-[A-Za-z]+(?![A-Za-z-])", corpus))
    return bare, hyph


def make_dehyphenator(corpus: str):
    """Join PDF line-break hyphenation ("Neverthe-less" -> "Nevertheless") only when
    the seeds themselves show the joined spelling as the usual one:
      * a-b where b is lowercase, not inside a URL or a longer hyphenated chain;
      * the joined word occurs unhyphenated in the seeds more often than a-b does;
      * if both a and b are words on their own (with-out, fine-tuning, light-weight),
        the joined word must be at least five times as common, so genuine compounds stay.
    Anything else is left exactly as printed."""
    bare, hyph = _word_counts(corpus)

    def should_join(a: str, b: str) -> bool:
        joined, h = (a + b).lower(), hyph[f"{a}-{b}".lower()]
        j = bare[joined]
        if j == 0:
            return False
        if bare[a.lower()] and bare[b.lower()]:
            return j >= 5 * h
        return j > h

    pattern = re.compile(r"(?<![A-Za-z0-9/._-])([A-Za-z]+)-([a-z]+)(?![A-Za-z0-9/_-])")

    def fix_token(tok: str) -> str:
        if "://" in tok or "www." in tok or re.search(r"\.(?:com|org|io|net|html?)\b", tok):
            return tok
        return pattern.sub(lambda m: m.group(1) + m.group(2)
                           if should_join(m.group(1), m.group(2)) else m.group(0), tok)

    def dehyphenate(text: str) -> str:
        return " ".join(fix_token(t) for t in text.split(" "))

    return dehyphenate


def title_to_slug_words(title: str) -> str:
    t = title.replace("°", "deg").replace("&", "")
    t = re.sub(r"[:,()!?'’/]", "", t)
    return "_".join(t.split(" "))


def check_title_002(slug: str, surname: str, title: str) -> None:
    words = slug[len(surname.replace(" ", "_")) + 1:-len("_CVPR_2023")]
    assert title_to_slug_words(title) == words, (slug, title, title_to_slug_words(title))


def parse_002(text: str, dehyphenate):
    lines = text.split("\n")
    sep = next(i for i, l in enumerate(lines) if l.startswith("---|"))
    papers = []
    for row in lines[sep + 1:]:
        if not row.strip():
            continue
        cells = [c.strip() for c in row.rstrip().removesuffix("|").split(" | ")]
        slug = cells[0]
        assert slug.endswith("_CVPR_2023"), slug
        surname = SURNAMES_002.get(slug, slug.split("_")[0])
        title = TITLES_002.get(slug) or " ".join(
            slug[len(surname) + 1:-len("_CVPR_2023")].split("_"))
        check_title_002(slug, surname, title)
        p = {"title": title, "authors": [surname], "et_al": True, "venue": "cvpr",
             "year": 2023}
        abstract = introduction = ""
        if len(cells) == 3:
            abstract, introduction = cells[1], cells[2]
            if not introduction.startswith("1. Introduction"):
                joined = abstract + CELL_JOINS_002[slug] + introduction
                cut = joined.index("1. Introduction")
                abstract, introduction = joined[:cut], joined[cut:]
            else:
                assert slug not in CELL_JOINS_002, slug
            assert abstract.startswith("Abstract "), slug
            abstract = abstract[len("Abstract "):].strip()
            introduction = introduction[len("1. Introduction"):].strip()
        else:
            assert cells[1:] in ([], [""]), slug  # the row with neither text
        if abstract:
            p["abstract"] = plain_to_markdown(dehyphenate(abstract))
        if introduction:
            p["introduction"] = plain_to_markdown(dehyphenate(introduction), math=False)
        papers.append((slug, p))
    assert set(CELL_JOINS_002) <= {s for s, _ in papers}
    assert set(TITLES_002) <= {s for s, _ in papers}
    return [p for _, p in papers]


# Characters markdown would read as markup in the seeds' plain text: a backtick opens code
# ("``content''" in a LaTeX-quoted arXiv abstract turned a sentence into a code span), an
# asterisk emphasis ("*Corresponding author" ... "Xiong1*" in a PDF introduction lost both
# stars), an underscore at a word's edge emphasis too (inside a word, as in "M_i", it is
# text). A backslash is escaped only before a character markdown lets it escape.
_MARKDOWN_MARK = re.compile(r"\\(?=[\\`*_{}\[\]()>#+.!-])|[`*]|(?<!\w)_|_(?!\w)")


def plain_to_markdown(text: str, math: bool = True) -> str:
    """The seeds are plain text, the schema's abstracts and introductions markdown: every
    character markdown would read as markup is escaped, so the page shows the seed's
    characters. A citation followed by a parenthesis ("[55]( 7 6 9 9S P S )", PDF
    extraction debris) would read as a link, so its brackets are escaped too. In an
    abstract (`math`) the site renders text between dollars as math before markdown sees
    the text, so an escape there would show: none of the seeds' formulas needs one."""
    out = _MARKDOWN_MARK.sub(lambda m: "\\" + m.group(0), text)
    out = re.sub(r"\[([^\]\n]*)\]\(", r"\\[\1\\](", out)
    if math:
        for formula in re.findall(r"\$[^$\n]+\$", text):
            assert formula in out, formula
    return out


# --------------------------------------------------------------------------------------
# Seed 003: daily-papers listing. Each card is: title, abstract, then one metadata line
# "• N authors · <date>[ <upvotes>]" (or "<org handle> <org name> · <date>..." where
# the card shows an organisation instead of an author count). The metadata FOLLOWS its
# title: e.g. InstantID -> "Jan 15, 2024", "Beyond Face Rotation" (TP-GAN) -> "Apr 13,
# 2017", "Improved Techniques for Training Consistency Models" -> "Oct 22, 2023". The
# lone "Nov 4" above the first card is the listing's own date, not a paper's.

LISTING_YEAR_003 = 2025  # the brief: captured November 2025; year-less dates are 2025


def parse_003(text: str):
    lines = [l.strip() for l in text.split("\n")]
    lines = [l for l in lines if l]
    start = lines.index("byAK and the research community") + 1
    listing_date = lines[start]
    lm, ld, ly, ln = parse_month_day(listing_date)
    assert ly is None and ln is None
    listing_day = datetime.date(LISTING_YEAR_003, lm, ld)
    items = lines[start + 1:]
    assert len(items) % 5 == 0, len(items)
    papers = []
    for i in range(0, len(items), 5):
        title, abstract, meta, dot, when = items[i:i + 5]
        assert dot == "·", (title, dot)
        p = {"title": title, "authors": []}
        m = re.fullmatch(r"• (\d+) authors", meta)
        if m:
            p["author_count"] = int(m.group(1))
        else:
            _handle, org = meta.split(" ", 1)  # "stepfun-ai StepFun": handle, shown name
            p["organization"] = org
        month, day, year, upvotes = parse_month_day(when)
        date = datetime.date(year or LISTING_YEAR_003, month, day)
        assert year is not None or date <= listing_day, when
        p["date"] = date
        if upvotes is not None:
            p["upvotes"] = upvotes
        p["tags"] = [DAILY_TAG]
        p["abstract"] = plain_to_markdown(abstract)
        papers.append(p)
    return listing_date, papers


# --------------------------------------------------------------------------------------
# Seed 004: bare abstracts.

def parse_004(text: str):
    rows = [l.strip() for l in text.split("\n") if l.strip()]
    assert len(rows) == len(TITLES_004)
    papers = []
    for row, title in zip(rows, TITLES_004):
        assert row.startswith("Abstract:"), row[:40]
        abstract = row[len("Abstract:"):].strip()
        for piece in title.split(": "):
            assert piece in abstract, (title, piece)
        papers.append({"title": title, "authors": [], "note": NOTE_004,
                       "abstract": plain_to_markdown(abstract)})
    return papers


# --------------------------------------------------------------------------------------
# Venues, tags, output.

_EDITION_PREFIX = re.compile(
    r"^(?:The )?(?:\d{4} |\d+(?:st|nd|rd|th) |Eleventh |Twelfth |Thirty-Seventh )?")


def venue_aliases(vid: str, forms: set[str]) -> list[str]:
    """The series-level forms seen in the seeds: edition markers (a leading 'The',
    year or ordinal, a trailing year) removed, the official name and short name left
    out, case-insensitive duplicates dropped."""
    short, name, _ = VENUES[vid]
    seen = {short.lower(), name.lower()}
    out = []
    for f in sorted(forms):
        a = re.sub(r" \d{4}$", "", _EDITION_PREFIX.sub("", f)).strip()
        if a and a.lower() not in seen:
            seen.add(a.lower())
            out.append(a)
    return out


# Editors with the YAML language server check and complete fields against these
# schemas (written by `papersite schema` into schemas/ at the site root).
SCHEMAS = {"papers": "../../schemas/paper.schema.json",
           "authors": "../../schemas/author.schema.json",
           "venues.yaml": "../schemas/venues.schema.json",
           "tags.yaml": "../schemas/tags.schema.json"}


def dump(path: Path, header: str, data) -> None:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    schema = SCHEMAS.get(path.parent.name) or SCHEMAS[path.name]
    comment = f"# yaml-language-server: $schema={schema}\n"
    comment += "".join(f"# {l}\n" if l else "#\n" for l in header.strip().split("\n"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(comment + text, encoding="utf-8")
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == data, path


FIELD_ORDER = ["id", "title", "authors", "et_al", "author_count", "year", "date", "venue",
               "track", "type", "arxiv", "doi", "category", "tags", "note", "selected",
               "citations", "upvotes", "organization", "links", "abstract", "introduction"]


def ordered(p: dict) -> dict:
    assert set(p) <= PAPER_FIELDS, set(p) - PAPER_FIELDS
    return {k: p[k] for k in FIELD_ORDER if k in p}


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    seeds, out = Path(argv[1]), Path(argv[2])

    names, texts = {}, {}
    for k in EXPECTED_COUNTS:
        names[k], texts[k] = read_seed(seeds, k)
    dehyphenate = make_dehyphenator("\n".join(texts.values()))

    bio, p000, venue_forms = parse_000(texts["000"])
    ge_profile, p001, announced_001, undated_001, left_001 = parse_001(texts["001"])
    p002 = parse_002(texts["002"], dehyphenate)
    listing_date, p003 = parse_003(texts["003"])
    p004 = parse_004(texts["004"])
    venue_forms["cvpr"].add("CVPR")  # seed 002: the CVPR_2023 suffix

    counts = {"000": len(p000), "001": len(p001), "002": len(p002), "003": len(p003),
              "004": len(p004)}
    assert counts == EXPECTED_COUNTS, counts

    # The one paper in both 000 and 003: keep the 000 record (authors, venue, year,
    # abstract) and add what 003 gives (date, upvotes, tag). No other title repeats.
    by_title = collections.defaultdict(list)
    for seed, plist in (("000", p000), ("001", p001), ("002", p002), ("003", p003),
                        ("004", p004)):
        for p in plist:
            by_title[norm_title(p["title"])].append((seed, p))
    dups = {t: v for t, v in by_title.items() if len(v) > 1}
    assert list(dups) == [norm_title(
        "Exploring Diffusion Time-steps for Unsupervised Representation Learning")], dups
    (s1, keep), (s2, daily) = next(iter(dups.values()))
    assert (s1, s2) == ("000", "003")
    assert daily["author_count"] == len(keep["authors"]) and not keep.get("et_al")
    assert daily["date"].year == keep["year"]
    for k in ("date", "upvotes", "tags"):
        if k in daily:
            keep[k] = daily[k]
    p003 = [p for p in p003 if p is not daily]

    total = sum(map(len, (p000, p001, p002, p003, p004)))
    assert total == EXPECTED_TOTAL, total

    ids = IdRegistry()
    for plist in (p000, p001, p002, p003, p004):
        for p in plist:
            p["id"] = ids.new(p["title"])

    gen = "Generated by scripts/seeds_to_content.py; edit the script, not this file."
    files = [
        ("sun-publications.yaml", "000", p000,
         "Qianru Sun's publication list (the bio paragraph is in authors/qianru-sun.yaml).\n"
         "The paper also listed in seed 003 carries that listing's date and tag. Names the\n"
         "list leaves out (', , and') make it partial (et_al). Left out: the link labels\n"
         "([paper] [code] ...), printed without addresses; each line's name for the edition\n"
         "('The Twelfth International Conference on ...') is kept as the series (venues.yaml)."),
        ("ge-papers.yaml", "001", p001,
         f"Shiming Ge's paper profile: {announced_001} papers announced, {len(p001)} listed.\n"
         + left_001),
        ("cvpr2023.yaml", "002", p002,
         "CVPR 2023 papers: titles and first-author surnames recovered from the slugs (a\n"
         "slug may cut a long title short). The PDF text's line-break hyphens are joined\n"
         "where the seeds spell the word whole ('Neverthe-less')."),
        ("daily-papers.yaml", "003", p003,
         f"Daily-papers listing dated {listing_date} (captured November 2025); the paper\n"
         "also in seed 000 is kept there (sun-publications.yaml). A date printed without\n"
         "a year is in 2025. Left out: an organisation's handle (stepfun-ai), its shown\n"
         "name kept."),
        ("abstracts.yaml", "004", p004, "Bare abstracts; titles are the method names they give."),
    ]
    for fname, seed, plist, what in files:
        dump(out / "papers" / fname, f"Seed {seed} ({names[seed]}).\n{what}\n{gen}",
             [ordered(p) for p in plist])

    sun = {"name": "Qianru Sun",
           # bio: "Since 2019, I have been working in the School of Computing and
           # Information Systems (SCIS), at Singapore Management University (SMU)."
           "affiliation": "Singapore Management University",
           "bio": bio}
    ge = dict(ge_profile)
    ge["papers"] = [p["id"] for p in p001 if ge["name"] not in p["authors"]]
    for fname, seed, data in (("qianru-sun.yaml", "000", sun), ("shiming-ge.yaml", "001", ge)):
        assert set(data) <= AUTHOR_FIELDS
        what = left_001 + "\n" if seed == "001" else ""
        dump(out / "authors" / fname, f"Seed {seed} ({names[seed]}).\n{what}{gen}", data)

    used_venues = sorted({p["venue"] for plist in (p000, p002) for p in plist})
    venues = []
    for vid in used_venues:
        short, name, vtype = VENUES[vid]
        v = {"id": vid, "short": short, "name": name}
        aliases = venue_aliases(vid, venue_forms[vid])
        if aliases:
            v["aliases"] = aliases
        v["type"] = vtype
        assert set(v) <= VENUE_FIELDS
        venues.append(v)
    dump(out / "venues.yaml",
         "Venue series used by the papers (seeds 000 and 002). Names are the official\n"
         "series names; aliases are the forms the seeds print. No seed gives a URL.\n" + gen,
         venues)

    tags = {DAILY_TAG: {"description":
                        "Papers from a daily-papers listing captured in November 2025"}}
    for code, (full, tname) in sorted(ARXIV_CATEGORIES.items(), key=lambda kv: kv[1][1]):
        if any(tname in p.get("tags", []) for p in p001):
            tags[tname] = {"description": f"arXiv subject class {full} ({tname})"}
    used_tags = {t for plist in (p000, p001, p002, p003, p004) for p in plist
                 for t in p.get("tags", [])}
    assert used_tags == set(tags), used_tags ^ set(tags)
    dump(out / "tags.yaml", "Tags used by the papers.\n" + gen, tags)

    assert len(ids.used) == total
    print(f"papers: {counts} -> {total} (one shared by 000 and 003)")
    print(f"seed 001: {announced_001} announced, {len(p001)} listed; undated (year not "
          f"given): {len(undated_001)}")
    print(f"shiming-ge papers behind 'et al.': {len(ge['papers'])}")
    print(f"venues: {', '.join(used_venues)}; tags: {', '.join(tags)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
