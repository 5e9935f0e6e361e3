// The messages of onnx.proto (github.com/onnx/onnx, onnx/onnx.proto, IR version 9) that the importer reads, as a
// protobufjs JSON descriptor (the format of `Root.fromJSON`): field names, numbers, types and repetition
// exactly as onnx.proto declares them. Fields the importer has no use for are left out; the decoder skips them.

export interface FieldDescriptor {
  type: string;
  id: number;
  rule?: "repeated";
}

export type MessageDescriptor = { fields: Record<string, FieldDescriptor> };

const f = (id: number, type: string): FieldDescriptor => ({ type, id });
const r = (id: number, type: string): FieldDescriptor => ({ type, id, rule: "repeated" });

export const ONNX_MESSAGES: Record<string, MessageDescriptor> = {
  ModelProto: {
    fields: {
      ir_version: f(1, "int64"), opset_import: r(8, "OperatorSetIdProto"), producer_name: f(2, "string"),
      producer_version: f(3, "string"), domain: f(4, "string"), model_version: f(5, "int64"), doc_string: f(6, "string"),
      graph: f(7, "GraphProto"), functions: r(25, "FunctionProto"),
    },
  },
  OperatorSetIdProto: { fields: { domain: f(1, "string"), version: f(2, "int64") } },
  FunctionProto: { fields: { name: f(1, "string"), domain: f(10, "string") } },
  GraphProto: {
    fields: {
      node: r(1, "NodeProto"), name: f(2, "string"), initializer: r(5, "TensorProto"), sparse_initializer: r(15, "SparseTensorProto"),
      doc_string: f(10, "string"), input: r(11, "ValueInfoProto"), output: r(12, "ValueInfoProto"), value_info: r(13, "ValueInfoProto"),
    },
  },
  NodeProto: {
    fields: {
      input: r(1, "string"), output: r(2, "string"), name: f(3, "string"), op_type: f(4, "string"), domain: f(7, "string"),
      attribute: r(5, "AttributeProto"), doc_string: f(6, "string"),
    },
  },
  AttributeProto: {
    fields: {
      name: f(1, "string"), ref_attr_name: f(21, "string"), doc_string: f(13, "string"), type: f(20, "int32"),
      f: f(2, "float"), i: f(3, "int64"), s: f(4, "bytes"), t: f(5, "TensorProto"), g: f(6, "GraphProto"),
      floats: r(7, "float"), ints: r(8, "int64"), strings: r(9, "bytes"), tensors: r(10, "TensorProto"), graphs: r(11, "GraphProto"),
    },
  },
  ValueInfoProto: { fields: { name: f(1, "string"), type: f(2, "TypeProto"), doc_string: f(3, "string") } },
  TypeProto: { fields: { tensor_type: f(1, "TypeProto.Tensor"), sequence_type: f(4, "TypeProto.Sequence"), map_type: f(5, "TypeProto.Map"), denotation: f(6, "string") } },
  "TypeProto.Tensor": { fields: { elem_type: f(1, "int32"), shape: f(2, "TensorShapeProto") } },
  "TypeProto.Sequence": { fields: {} },
  "TypeProto.Map": { fields: {} },
  TensorShapeProto: { fields: { dim: r(1, "TensorShapeProto.Dimension") } },
  "TensorShapeProto.Dimension": { fields: { dim_value: f(1, "int64"), dim_param: f(2, "string"), denotation: f(3, "string") } },
  TensorProto: {
    fields: {
      dims: r(1, "int64"), data_type: f(2, "int32"), float_data: r(4, "float"), int32_data: r(5, "int32"),
      string_data: r(6, "bytes"), int64_data: r(7, "int64"), name: f(8, "string"), doc_string: f(12, "string"),
      raw_data: f(9, "bytes"), data_location: f(14, "int32"), double_data: r(10, "double"), uint64_data: r(11, "uint64"),
    },
  },
  SparseTensorProto: { fields: { dims: r(3, "int64") } },
};

/** ONNX TensorProto.DataType codes, by name (for messages). */
export const DATA_TYPES: Record<number, string> = {
  0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64", 8: "STRING",
  9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64", 14: "COMPLEX64", 15: "COMPLEX128", 16: "BFLOAT16",
};
export const FLOAT = 1, INT32 = 6, INT64 = 7, BOOL = 9, DOUBLE = 11;
