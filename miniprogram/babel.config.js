// TDesign miniprogram ships ES modules; jest runs CommonJS
module.exports = { presets: [['@babel/preset-env', { targets: { node: '20' } }]] }
